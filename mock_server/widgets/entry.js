// The globals an embedding page uses (contracts/README.md, "Widgets"). mount(options) returns a handle with
// unmount(); window.osiguReady resolves once both widgets exist (at once: they come in this one file).
function publish(mount) {
  return {
    version: WIDGETS_VERSION,
    mount: function (options) {
      return mount(options || {});
    }
  };
}

window.OsiguPreAuth = publish(mountPreAuth);
window.OsiguPrescription = publish(mountPrescription);
window.osiguReady = Promise.resolve({ preAuth: window.OsiguPreAuth, prescription: window.OsiguPrescription, version: WIDGETS_VERSION });
