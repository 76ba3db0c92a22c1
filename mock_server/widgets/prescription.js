// The prescription widget: OsiguPrescription.mount(options). Steps (contracts/README.md, "Widgets"):
// resolve_patient, select_diagnoses, select_medications, review, consent_prompt, issuing, outcome.
// It issues v1.1 (the consent step fills `consent`), and v2 for a Spanish doctors' office, whose signed hash
// (SHA-256 of the RFC 8785 canonical JSON of patient_id, doctor, diagnoses, medications, consent) it computes here.
var RX_STEPS = ['resolve_patient', 'select_diagnoses', 'select_medications', 'review', 'consent_prompt', 'issuing', 'outcome'];
var DOCUMENT_TYPES = ['CC', 'CE', 'TI', 'PA', 'DNI', 'NIE'];
var CONSENT_METHODS = ['VERBAL', 'WRITTEN', 'DIGITAL'];

function prescriptionOutcome(rx, state, delivery, startedAt, trackingId) {
  var names = {};
  state.medications.forEach(function (m) { names[m.product_code] = m; });
  return stamped({
    prescription_id: String(rx.id),
    prescription_code: rx.code,
    version: state.version,
    status: 'PRESCRIPTION_ISSUED',
    issued_at: rx.created_at,
    patient: {
      patient_id: String(state.patient.patient_id),
      first_name: state.patient.first_name,
      last_name: state.patient.last_name
    },
    diagnoses: state.diagnoses.map(function (d) { return { diagnosis_code: d.code, description: d.name }; }),
    medications: state.medications.map(function (m) {
      var line = { product_code: m.product_code, product_name: m.name, quantity: m.quantity, posology: m.posology };
      if (m.duration_days) line.duration_days = m.duration_days;
      return line;
    }),
    delivery: delivery
  }, startedAt, trackingId);
}

function mountPrescription(options) {
  options = options || {};
  var shell = Shell('rx', options, RX_STEPS);
  var t = shell.t;
  var prefill = options.prefill || {};
  var delivery = options.delivery || { channel: 'NONE' };
  var api = Api(options.getToken);
  var startedAt = now();
  var state = {
    patient: null,
    diagnoses: [],
    medications: [],
    doctor: { name: (prefill.doctor && prefill.doctor.name) || '', medical_license_number: (prefill.doctor && prefill.doctor.medical_license_number) || '' },
    consent: null,
    session: null,
    version: 'v1.1'
  };
  var handle = { unmount: function () { shell.unmount(); } };
  if (typeof options.getToken !== 'function') throw new Error('osigu widget: getToken must be a function returning a Promise of a token');
  if (!checkEnvironment(shell, options)) return handle;

  // Who the token is: a Spanish doctors' office issues v2.
  var session = api.get('/widgets/v1/session').then(function (info) {
    state.session = info;
    state.version = info.prescription_version;
    return info;
  });
  session.catch(shell.fail);

  // --- resolve_patient ----------------------------------------------------------------------------
  function stepPatient() {
    shell.show('resolve_patient', function (section) {
      var results = el('div', { class: 'osigu-results' });
      var number = el('input', { type: 'search', autocomplete: 'off', value: prefill.patientSearchInput || '' });
      var numberField = field(t('patient.search'), number);
      function search() {
        var text = number.value.trim();
        if (!text) {
          numberField.setError(t('required'));
          return;
        }
        numberField.setError('');
        results.textContent = t('loading');
        api.get('/ehr/v1/patients' + query({ document_number: text })).then(function (page) {
          results.textContent = '';
          if (!page.content.length) {
            results.appendChild(el('p', { text: t('patient.none') }));
            return;
          }
          var group = el('fieldset', { class: 'osigu-choice' }, [el('legend', { text: t('patient.choose') })]);
          page.content.forEach(function (p) {
            var id = uid('pt');
            var label = p.first_name + ' ' + p.last_name + ' · ' + p.document_type + ' ' + p.document_number;
            if (typeof shell.hooks.decoratePatientResult === 'function') {
              var extra = shell.hooks.decoratePatientResult(p);
              if (extra) label += ' · ' + extra;
            }
            group.appendChild(el('div', { class: 'osigu-option' }, [
              el('input', { type: 'radio', name: 'osigu-patient', id: id, value: String(p.patient_id), onchange: function () { state.patient = p; } }),
              el('label', { for: id, text: label })
            ]));
          });
          results.appendChild(group);
          var first = group.querySelector('input');
          if (page.content.length === 1) {
            first.checked = true;
            state.patient = page.content[0];
          }
        }, shell.fail);
      }
      section.appendChild(el('form', { class: 'osigu-inline', onsubmit: function (e) { e.preventDefault(); search(); } }, [numberField, button(t('search'))]));
      section.appendChild(results);
      section.appendChild(createPatientForm());
      section.appendChild(el('div', { class: 'osigu-actions' }, [button(t('continue'), function () {
        if (!state.patient) {
          shell.error(t('patient.choose'));
          return;
        }
        stepDiagnoses();
      }, 'primary')]));
      if (prefill.patientId && !state.patient) {
        api.get('/ehr/v1/patients/' + encodeURIComponent(prefill.patientId)).then(function (p) {
          state.patient = p;
          results.appendChild(el('p', { class: 'osigu-card', text: t('patient.selected', { name: p.first_name + ' ' + p.last_name }) }));
        }, shell.fail);
      } else if (number.value) search();
    });
    if (!shell.ready) {
      shell.ready = true;
      shell.call('onReady');
    }
  }

  function createPatientForm() {
    var fields = {
      first_name: field(t('patient.first_name'), el('input', { type: 'text', required: true, autocomplete: 'off' })),
      last_name: field(t('patient.last_name'), el('input', { type: 'text', required: true, autocomplete: 'off' })),
      document_type: field(t('patient.document_type'), el('select', { required: true }, DOCUMENT_TYPES.map(function (d) { return el('option', { value: d, text: d }); }))),
      document_number: field(t('patient.document_number'), el('input', { type: 'text', required: true, autocomplete: 'off' })),
      date_of_birth: field(t('patient.date_of_birth'), el('input', { type: 'date', required: true })),
      email: field(t('patient.email'), el('input', { type: 'email', autocomplete: 'off' }))
    };
    var form = el('form', { class: 'osigu-form', novalidate: true }, Object.keys(fields).map(function (k) { return fields[k]; }).concat([
      el('div', { class: 'osigu-actions' }, [button(t('patient.create'))])
    ]));
    var details = el('details', { class: 'osigu-details' }, [el('summary', { text: t('patient.create') }), form]);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var body = shell.collect(fields);
      if (!body) return;
      shell.busy(true);
      api.post('/ehr/v1/patients', body).then(function (patient) {
        shell.busy(false);
        state.patient = patient;
        shell.announce(t('patient.created', { name: patient.first_name + ' ' + patient.last_name }));
        stepDiagnoses();
      }, function (failure) {
        if (failure.status === 422 || failure.status === 409) {
          shell.busy(false);
          showFieldErrors(fields, failure);
          shell.error(describe(t, failure));
        } else shell.fail(failure);
      });
    });
    return details;
  }

  // A searchable catalogue with an "Add" button per result, and the chosen items with "Remove".
  function picker(section, label, fetchPage, render, onAdd) {
    var input = el('input', { type: 'search', autocomplete: 'off' });
    var inputField = field(label, input);
    var results = el('ul', { class: 'osigu-results' });
    function search() {
      results.textContent = '';
      fetchPage(input.value.trim()).then(function (items) {
        results.textContent = '';
        items.forEach(function (item) {
          var text = render(item);
          results.appendChild(el('li', { class: 'osigu-pick' }, [el('span', { text: text }), el('button', {
            type: 'button', class: 'osigu-btn', text: t('add'), 'aria-label': t('add') + ': ' + text,
            onclick: function () { onAdd(item); shell.announce(t('diagnoses.added', { name: text })); }
          })]));
        });
        if (!items.length) results.appendChild(el('li', { text: t('diagnosis.none') }));
      }, shell.fail);
    }
    section.appendChild(el('form', { class: 'osigu-inline', onsubmit: function (e) { e.preventDefault(); search(); } }, [inputField, button(t('search'))]));
    section.appendChild(results);
    return inputField;
  }

  // --- select_diagnoses ---------------------------------------------------------------------------
  function stepDiagnoses() {
    shell.show('select_diagnoses', function (section) {
      var chosen = el('ul', { class: 'osigu-chosen', 'aria-label': t('step.select_diagnoses') });
      function redraw() {
        chosen.textContent = '';
        state.diagnoses.forEach(function (d, i) {
          var text = d.code + ' · ' + d.name;
          chosen.appendChild(el('li', { 'data-diagnosis': d.code }, [el('span', { text: text }), el('button', {
            type: 'button', class: 'osigu-btn osigu-btn-quiet', text: '×', 'aria-label': t('remove', { name: text }),
            onclick: function () { state.diagnoses.splice(i, 1); redraw(); }
          })]));
        });
      }
      function add(d) {
        if (!state.diagnoses.some(function (x) { return x.code === d.code; })) state.diagnoses.push(d);
        redraw();
      }
      picker(section, t('diagnosis.query'), function (text) {
        return api.get('/medical-catalogs/v1/diagnoses' + query({ query: text, size: 8 })).then(function (page) { return page.content; });
      }, function (d) { return d.code + ' · ' + d.name; }, add);
      section.appendChild(chosen);
      section.appendChild(el('div', { class: 'osigu-actions' }, [button(t('back'), stepPatient), button(t('continue'), function () {
        if (!state.diagnoses.length) {
          shell.error(t('diagnoses.pick'));
          return;
        }
        stepMedications();
      }, 'primary')]));
      if (!state.diagnoses.length && prefill.diagnoses) {
        Promise.all(prefill.diagnoses.map(function (d) {
          return api.get('/medical-catalogs/v1/diagnoses' + query({ query: d.diagnosis_code, size: 20 })).then(function (page) {
            return page.content.filter(function (x) { return x.code === d.diagnosis_code; })[0];
          });
        })).then(function (found) { found.filter(Boolean).forEach(add); }, shell.fail);
      }
      redraw();
    });
  }

  // --- select_medications: the provider's registered medications (an unregistered one cannot be prescribed) ---
  function stepMedications() {
    shell.show('select_medications', function (section) {
      var chosen = el('div', { class: 'osigu-chosen' });
      var rows = [];
      function redraw() {
        chosen.textContent = '';
        rows = state.medications.map(function (m, i) {
          var quantity = field(t('quantity'), el('input', { type: 'number', min: '1', step: '1', inputmode: 'numeric', value: String(m.quantity || 1), class: 'osigu-qty' }));
          var posology = field(t('posology'), el('input', { type: 'text', value: m.posology || '', autocomplete: 'off' }));
          var duration = field(t('duration'), el('input', { type: 'number', min: '1', step: '1', inputmode: 'numeric', value: m.duration_days ? String(m.duration_days) : '', class: 'osigu-qty' }));
          chosen.appendChild(el('fieldset', { class: 'osigu-row', 'data-medication': m.product_code }, [
            el('legend', { text: m.name + ' (' + m.product_code + ')' }),
            el('div', { class: 'osigu-row-fields' }, [quantity, posology, duration]),
            el('button', { type: 'button', class: 'osigu-btn osigu-btn-quiet', text: t('remove', { name: m.name }),
              onclick: function () { collect(); state.medications.splice(i, 1); redraw(); } })
          ]));
          return { medication: m, quantity: quantity, posology: posology, duration: duration };
        });
      }
      function collect() {
        var ok = true;
        rows.forEach(function (r) {
          var quantity = Number(r.quantity.control.value);
          var days = r.duration.control.value.trim();
          r.quantity.setError('');
          r.posology.setError('');
          r.duration.setError('');
          if (!(quantity >= 1) || Math.floor(quantity) !== quantity) {
            r.quantity.setError(t('quantity.bad'));
            ok = false;
          }
          if (!r.posology.control.value.trim()) {
            r.posology.setError(t('posology.required'));
            ok = false;
          }
          if (days && !(Number(days) >= 1 && Math.floor(Number(days)) === Number(days))) {
            r.duration.setError(t('quantity.bad'));
            ok = false;
          }
          r.medication.quantity = quantity;
          r.medication.posology = r.posology.control.value.trim();
          r.medication.duration_days = days ? Number(days) : undefined;
        });
        return ok;
      }
      function add(product) {
        collect();
        if (!state.medications.some(function (x) { return x.product_code === product.product_code; })) {
          state.medications.push({ product_code: product.product_code, name: product.name, quantity: 1, posology: '' });
        }
        redraw();
      }
      picker(section, t('medications.query'), function (text) {
        return api.get('/arc/v1/providers/products' + query({ product_type: 'DRUG', query: text, size: 10 })).then(function (page) { return page.content; });
      }, function (p) {
        var text = p.name + ' (' + p.product_code + ')';
        if (typeof shell.hooks.decorateMedicationResult === 'function') {
          var extra = shell.hooks.decorateMedicationResult(p);
          if (extra) text += ' · ' + extra;
        }
        return text;
      }, add);
      section.appendChild(chosen);
      section.appendChild(el('div', { class: 'osigu-actions' }, [button(t('back'), function () { collect(); stepDiagnoses(); }), button(t('continue'), function () {
        if (!state.medications.length) {
          shell.error(t('medications.pick'));
          return;
        }
        if (!collect()) {
          shell.error(t('error.fields'));
          return;
        }
        stepReview();
      }, 'primary')]));
      if (!state.medications.length && prefill.medications) {
        api.get('/arc/v1/providers/products' + query({ product_type: 'DRUG', size: 100 })).then(function (page) {
          prefill.medications.forEach(function (m) {
            var product = page.content.filter(function (p) { return p.product_code === m.product_code; })[0];
            if (product) {
              state.medications.push({ product_code: m.product_code, name: product.name, quantity: m.quantity || 1, posology: m.posology || '', duration_days: m.duration_days });
            }
          });
          redraw();
        }, shell.fail);
      }
      redraw();
    });
  }

  // --- review: what will be issued, and the prescribing doctor -------------------------------------
  function stepReview() {
    session.then(function () {
      shell.show('review', function (section) {
        var p = state.patient;
        var spanish = state.version === 'v2';
        section.appendChild(el('p', { class: 'osigu-badge', text: t('version', { version: state.version }) }));
        section.appendChild(el('dl', { class: 'osigu-summary' }, [
          el('dt', { text: t('step.resolve_patient') }), el('dd', { text: p.first_name + ' ' + p.last_name + ' · ' + p.document_type + ' ' + p.document_number }),
          el('dt', { text: t('step.select_diagnoses') }), el('dd', {}, [el('ul', {}, state.diagnoses.map(function (d) { return el('li', { text: d.code + ' · ' + d.name }); }))]),
          el('dt', { text: t('step.select_medications') }), el('dd', {}, [el('ul', {}, state.medications.map(function (m) {
            return el('li', { text: m.name + ' × ' + m.quantity + ' · ' + m.posology + (m.duration_days ? ' · ' + m.duration_days + ' d' : '') });
          }))])
        ]));
        var name = field(t('doctor.name'), el('input', { type: 'text', required: true, value: state.doctor.name, autocomplete: 'off' }));
        var license = field(spanish ? t('doctor.license_es') : t('doctor.license'), el('input', {
          type: 'text', required: true, value: state.doctor.medical_license_number, autocomplete: 'off', inputmode: spanish ? 'numeric' : null
        }));
        section.appendChild(el('fieldset', { class: 'osigu-choice' }, [el('legend', { text: t('doctor') }), name, license]));
        section.appendChild(el('div', { class: 'osigu-actions' }, [button(t('back'), stepMedications), button(t('continue'), function () {
          var ok = true;
          name.setError('');
          license.setError('');
          state.doctor.name = name.control.value.trim();
          state.doctor.medical_license_number = license.control.value.trim();
          if (!state.doctor.name) {
            name.setError(t('required'));
            ok = false;
          }
          if (!state.doctor.medical_license_number) {
            license.setError(t('required'));
            ok = false;
          } else if (spanish && !/^[0-9]{9}$/.test(state.doctor.medical_license_number)) {
            license.setError(t('doctor.license_bad'));
            ok = false;
          }
          if (!ok) {
            shell.error(t('error.fields'));
            return;
          }
          stepConsent();
        }, 'primary')]));
      });
    });
  }

  // --- consent_prompt -----------------------------------------------------------------------------
  function stepConsent() {
    shell.show('consent_prompt', function (section) {
      section.appendChild(el('p', { text: t('consent.text') }));
      var check = el('input', { type: 'checkbox', id: uid('consent'), checked: !!(state.consent && state.consent.accepted) });
      var error = el('p', { class: 'osigu-field-error', id: check.id + '-error', hidden: true });
      check.setAttribute('aria-describedby', error.id);
      section.appendChild(el('div', { class: 'osigu-option' }, [check, el('label', { for: check.id, text: t('consent.accept') })]));
      section.appendChild(error);
      var method = field(t('consent.method'), el('select', {}, CONSENT_METHODS.map(function (m) {
        return el('option', { value: m, text: t('consent.' + m), selected: state.consent && state.consent.method === m });
      })));
      section.appendChild(method);
      section.appendChild(el('div', { class: 'osigu-actions' }, [button(t('back'), stepReview), button(t('issue'), function () {
        if (!check.checked) {
          error.textContent = t('consent.needed');
          error.hidden = false;
          check.setAttribute('aria-invalid', 'true');
          shell.error(t('consent.needed'));
          return;
        }
        // Dated by the mock clock, read now (the API refuses a consent later than its now; a frozen clock
        // does not move while the user reads the page).
        shell.busy(true);
        api.get('/widgets/v1/session').then(function (info) {
          shell.busy(false);
          state.consent = { accepted: true, accepted_at: info.now, method: method.control.value };
          stepIssuing();
        }, shell.fail);
      }, 'primary')]));
    });
  }

  // --- issuing ------------------------------------------------------------------------------------
  function buildBody() {
    var doctor = { name: state.doctor.name, medical_license_number: state.doctor.medical_license_number };
    if (state.session && state.session.country_code) doctor.country_code = state.session.country_code;
    return {
      patient_id: state.patient.patient_id,
      doctor: doctor,
      diagnoses: state.diagnoses.map(function (d) { return { diagnosis_code: d.code }; }),
      medications: state.medications.map(function (m) {
        var line = { product_code: m.product_code, quantity: m.quantity, posology: m.posology };
        if (m.duration_days) line.duration_days = m.duration_days;
        return line;
      }),
      consent: state.consent
    };
  }

  function stepIssuing() {
    shell.show('issuing', function (section) {
      var status = el('p', { class: 'osigu-strong', text: t('issuing') });
      section.appendChild(status);
      var payload = buildBody();
      var hook = shell.hooks.beforeIssue;
      Promise.resolve(typeof hook === 'function' ? hook(payload) : payload).then(function (decided) {
        if (decided === false) {
          status.textContent = '';
          shell.error(t('issue.cancelled'));
          section.appendChild(el('div', { class: 'osigu-actions' }, [button(t('back'), stepConsent)]));
          return null;
        }
        var body = decided && typeof decided === 'object' ? decided : payload;
        var signed = Promise.resolve(body);
        if (state.version === 'v2') {
          status.textContent = t('signing');
          var content = { patient_id: body.patient_id, doctor: body.doctor, diagnoses: body.diagnoses, medications: body.medications, consent: body.consent };
          signed = digestHex(canonicalJson(content)).then(function (hash) {
            body.signature = { algorithm: 'SHA-256', hash: hash, signed_at: body.consent.accepted_at };
            return body;
          });
        }
        return signed.then(function (ready) {
          status.textContent = t('issuing');
          return api.post(state.version === 'v2' ? '/ehr/v2/prescriptions' : '/ehr/v1.1/prescriptions', ready);
        }).then(function (rx) { deliver(section, rx); });
      }).catch(function (failure) {
        status.textContent = '';
        shell.fail(failure);
        section.appendChild(el('div', { class: 'osigu-actions' }, [button(t('back'), stepReview)]));
      });
    });
  }

  function deliver(section, rx) {
    var channel = delivery.channel || 'NONE';
    function send() {
      shell.busy(true);
      var sent;
      if (channel === 'EMAIL') {
        sent = api.post('/ehr/v1/prescriptions/' + rx.id + '/email', delivery.email ? { email: delivery.email } : {}).then(function (answer) {
          return { channel: 'EMAIL', email: answer.email, delivered: answer.status === 'DELIVERED' };
        });
      } else if (channel === 'LINK') {
        sent = api.post('/widgets/v1/prescriptions/' + rx.id + '/link').then(function (link) {
          return { channel: 'LINK', link_url: link.link_url, delivered: true };
        });
      } else sent = Promise.resolve({ channel: 'NONE', delivered: false });
      return sent.then(function (result) { stepOutcome(rx, result); }, shell.fail);
    }
    if (channel !== 'NONE' && delivery.confirmBeforeSend) {
      var to = channel === 'EMAIL' ? (delivery.email || state.patient.email || '') : t('delivery.LINK');
      section.textContent = '';
      section.appendChild(el('p', { class: 'osigu-strong', text: t('rx.issued') + ' ' + t('delivery.confirm', { to: to }) }));
      var sendButton = button(t('delivery.send'), send, 'primary');
      section.appendChild(el('div', { class: 'osigu-actions' }, [button(t('delivery.skip'), function () {
        stepOutcome(rx, { channel: channel, delivered: false });
      }), sendButton]));
      sendButton.focus();
      return null;
    }
    return send();
  }

  // --- outcome ------------------------------------------------------------------------------------
  function stepOutcome(rx, result) {
    shell.busy(false);
    var outcome = prescriptionOutcome(rx, state, result, startedAt, telemetryId(options));
    shell.show('outcome', function (section) {
      section.appendChild(el('p', { class: 'osigu-strong', 'data-outcome': outcome.status, text: t('rx.issued') }));
      section.appendChild(el('p', {}, [t('rx.code') + ': ', el('strong', { class: 'osigu-code', text: outcome.prescription_code })]));
      section.appendChild(el('p', { text: t('version', { version: outcome.version }) }));
      section.appendChild(el('p', { text: t('patient.selected', { name: outcome.patient.first_name + ' ' + outcome.patient.last_name }) }));
      section.appendChild(el('ul', {}, outcome.medications.map(function (m) { return el('li', { text: m.product_name + ' × ' + m.quantity + ' · ' + m.posology }); })));
      var d = outcome.delivery;
      if (d.channel === 'EMAIL') section.appendChild(el('p', { 'data-delivery': 'EMAIL', text: t(d.delivered ? 'delivery.EMAIL' : 'delivery.EMAIL_failed', { email: d.email }) }));
      else if (d.channel === 'LINK' && d.link_url) section.appendChild(el('p', { 'data-delivery': 'LINK' }, [el('a', { href: d.link_url, target: '_blank', rel: 'noopener', text: t('delivery.LINK') })]));
      else section.appendChild(el('p', { 'data-delivery': d.channel, text: t('delivery.NONE') }));
      section.appendChild(shell.closeRow());
    });
    shell.completeOnce(outcome);
  }

  stepPatient();
  return handle;
}
