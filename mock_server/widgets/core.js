// What both widgets share: where the API is, words, elements, the REST client, the step frame, hashing.
// contracts/README.md, "Widgets", pins the options, the steps and the outcomes.

// The mock that served this script: 'sandbox' talks to it and to nothing else.
var HOST = (function () {
  var script = document.currentScript;
  return script && script.src ? new URL(script.src, location.href).origin : location.origin;
})();

// The widgets' product type names and the REST schema's.
var WIDGET_TYPE = { DRUG: 'MEDICATION', LABORATORY: 'LAB', DIAGNOSTIC_TEST: 'IMAGING', MEDICAL_PROCEDURE: 'PROCEDURE' };
var REST_TYPE = { MEDICATION: 'DRUG', LAB: 'LABORATORY', IMAGING: 'DIAGNOSTIC_TEST', PROCEDURE: 'MEDICAL_PROCEDURE' };

function resolveLocale(asked) {
  var wanted = asked || (navigator.languages && navigator.languages[0]) || navigator.language || 'en';
  if (MESSAGES[wanted]) return wanted;
  var language = String(wanted).split('-')[0].toLowerCase();
  if (language === 'pt') return 'pt-BR';
  return MESSAGES[language] ? language : 'en';
}

function translator(locale) {
  var table = MESSAGES[locale];
  return function (key, vars) {
    var text = table[key] || MESSAGES.en[key] || key;
    return text.replace(/\{(\w+)\}/g, function (_, name) {
      return vars && vars[name] != null ? String(vars[name]) : '';
    });
  };
}

var nextId = 0;
function uid(prefix) {
  nextId += 1;
  return 'osigu-' + prefix + '-' + nextId;
}

// el('input', {type: 'text', onchange: fn}, [children]): attributes, properties and listeners in one place.
function el(tag, props, children) {
  var node = document.createElement(tag);
  Object.keys(props || {}).forEach(function (key) {
    var value = props[key];
    if (value === null || value === undefined || value === false) return;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else if (key === 'value' || key === 'checked' || key === 'disabled') node[key] = value;
    else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : value);
  });
  (children || []).forEach(function (child) {
    if (child === null || child === undefined || child === false) return;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  });
  return node;
}

// A labelled control with its own error line (aria-describedby), so an error is read with the field.
function field(label, control, hint) {
  if (!control.id) control.id = uid('f');
  var error = el('p', { class: 'osigu-field-error', id: control.id + '-error', hidden: true });
  var described = [error.id];
  var hintNode = null;
  if (hint) {
    hintNode = el('p', { class: 'osigu-hint', id: control.id + '-hint', text: hint });
    described.push(hintNode.id);
  }
  control.setAttribute('aria-describedby', described.join(' '));
  var wrapper = el('div', { class: 'osigu-field' }, [el('label', { for: control.id, text: label }), hintNode, control, error]);
  wrapper.control = control;
  wrapper.setError = function (message) {
    error.textContent = message || '';
    error.hidden = !message;
    if (message) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  };
  return wrapper;
}

function button(text, onclick, kind) {
  return el('button', { type: onclick ? 'button' : 'submit', class: 'osigu-btn' + (kind ? ' osigu-btn-' + kind : ''), text: text, onclick: onclick });
}

// An error the REST API answered (OSIGU's body {code, message, errors[]}), or a network failure (status 0).
function ApiFailure(status, body) {
  this.name = 'OsiguApiError';
  this.status = status;
  this.code = (body && body.code) || (status ? 'HTTP-' + status : 'NETWORK');
  this.message = (body && body.message) || (status ? 'HTTP ' + status : 'network error');
  this.errors = (body && body.errors) || [];
  this.body = body || null;
}

function Api(getToken) {
  var token = null;
  function call(method, path, body, retried) {
    return Promise.resolve(token || getToken())
      .then(function (given) {
        token = given;
        var init = { method: method, headers: { Authorization: 'Bearer ' + given, Accept: 'application/json' } };
        if (body instanceof FormData) init.body = body;
        else if (body !== undefined) {
          init.headers['Content-Type'] = 'application/json';
          init.body = JSON.stringify(body);
        }
        return fetch(HOST + path, init).catch(function () {
          throw new ApiFailure(0, null);
        });
      })
      .then(function (response) {
        if (response.status === 401 && !retried) {
          token = null; // expired or revoked: ask the host for a fresh one, once
          return call(method, path, body, true);
        }
        return response.text().then(function (text) {
          var data = null;
          try {
            data = text ? JSON.parse(text) : null;
          } catch (ignored) {
            data = null;
          }
          if (!response.ok) throw new ApiFailure(response.status, data);
          return data;
        });
      });
  }
  return {
    get: function (path) { return call('GET', path); },
    post: function (path, body) { return call('POST', path, body === undefined ? {} : body); }
  };
}

function query(params) {
  var parts = [];
  Object.keys(params).forEach(function (key) {
    if (params[key] !== undefined && params[key] !== null && params[key] !== '') {
      parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(params[key]));
    }
  });
  return parts.length ? '?' + parts.join('&') : '';
}

// Unrecoverable: the user cannot fix it in the form (auth, permissions, the server, the network).
function isFatal(failure) {
  return !(failure instanceof ApiFailure) || failure.status === 0 || failure.status === 401 ||
    failure.status === 403 || failure.status >= 500;
}

function describe(t, failure) {
  if (!(failure instanceof ApiFailure)) return String((failure && failure.message) || failure);
  if (failure.status === 0) return t('error.network');
  if (failure.status === 401) return t('error.auth');
  var text = t('error.http', { status: failure.status, message: failure.message });
  var details = failure.errors.map(function (e) { return e.path + ': ' + e.message; });
  return details.length ? text + ' ' + details.join('; ') : text;
}

function injectStyles() {
  if (document.getElementById('osigu-widget-styles')) return;
  var style = el('style', { id: 'osigu-widget-styles' });
  style.textContent = WIDGET_CSS;
  (document.head || document.documentElement).appendChild(style);
}

function resolveContainer(container) {
  var node = typeof container === 'string' ? document.querySelector(container) : container;
  if (!node || node.nodeType !== 1) throw new Error('osigu widget: container not found: ' + container);
  return node;
}

// The frame of a widget: title, step indicator, live region, error line, body; the callbacks' plumbing.
function Shell(kind, options, stepNames) {
  var locale = resolveLocale(options.locale);
  var t = translator(locale);
  var hooks = options.hooks || {};
  var container = resolveContainer(options.container);
  var theme = ['light', 'dark', 'auto'].indexOf(options.theme) >= 0 ? options.theme : 'auto';
  injectStyles();
  var titleId = uid('title');
  var steps = stepNames.slice();
  var current = null;
  var closeButton = button(t('close'), function () { call('onClose'); }, 'quiet');
  closeButton.setAttribute('aria-label', t('close') + ': ' + t(kind + '.title'));
  var progress = el('p', { class: 'osigu-progress' });
  var live = el('p', { class: 'osigu-sr', role: 'status', 'aria-live': 'polite' });
  var alertLine = el('div', { class: 'osigu-alert', role: 'alert', hidden: true });
  var body = el('div', { class: 'osigu-body' });
  var root = el('section', {
    class: 'osigu-w', 'data-theme': theme, 'data-widget': kind, lang: locale, 'aria-labelledby': titleId
  }, [
    el('header', { class: 'osigu-head' }, [el('h2', { id: titleId, text: t(kind + '.title') }), closeButton]),
    progress, live, alertLine, body
  ]);
  container.appendChild(root);

  function call(name, argument) {
    var callback = options[name];
    if (typeof callback === 'function') {
      try {
        return callback(argument);
      } catch (error) {
        if (window.console) console.error('osigu widget: ' + name + ' threw', error);
      }
    }
    return undefined;
  }

  var shell = {
    t: t,
    locale: locale,
    theme: theme,
    root: root,
    hooks: hooks,
    call: call,
    // The steps that apply to this run, in the documented order (some are known only as it goes).
    setSteps: function (names) { steps = names.slice(); },
    current: function () { return current; },
    show: function (name, render) {
      current = name;
      var index = steps.indexOf(name);
      progress.textContent = t('step.of', { index: index + 1, total: steps.length, name: t('step.' + name) });
      shell.clearError();
      body.textContent = '';
      var heading = el('h3', { tabindex: '-1', class: 'osigu-step-title', text: t('step.' + name) });
      var section = el('div', { class: 'osigu-step', 'data-step': name }, [heading]);
      body.appendChild(section);
      render(section);
      root.setAttribute('data-step', name);
      live.textContent = progress.textContent;
      // The first step leaves the host page's focus alone; every later one takes it to its heading.
      if (shell.started) heading.focus();
      shell.started = true;
      var info = { name: name, index: index, total: steps.length };
      if (typeof hooks.onStepChange === 'function') {
        try {
          hooks.onStepChange(info);
        } catch (error) {
          if (window.console) console.error('osigu widget: onStepChange threw', error);
        }
      }
    },
    announce: function (text) { live.textContent = text; },
    // A form's values ({name: value}), or null after marking what is missing and saying so.
    collect: function (fields) {
      var given = collect(fields, t);
      if (!given.ok) shell.error(t('error.fields'));
      return given.ok ? given.body : null;
    },
    // The outcome step's last row, and onComplete, once per mount whatever happens next.
    closeRow: function () {
      return el('div', { class: 'osigu-actions' }, [button(t('close'), function () { call('onClose'); }, 'primary')]);
    },
    completeOnce: function (outcome) {
      if (shell.completed) return;
      shell.completed = true;
      call('onComplete', outcome);
    },
    error: function (text) {
      alertLine.textContent = text;
      alertLine.hidden = !text;
    },
    clearError: function () { shell.error(''); },
    busy: function (flag) {
      root.setAttribute('aria-busy', flag ? 'true' : 'false');
      Array.prototype.forEach.call(body.querySelectorAll('button'), function (b) { b.disabled = !!flag; });
    },
    // A REST failure in words; unrecoverable ones also go to onError.
    fail: function (failure) {
      shell.busy(false);
      shell.error(describe(t, failure));
      if (isFatal(failure)) shell.call('onError', failure instanceof ApiFailure ? failure : new ApiFailure(0, { message: String(failure) }));
    },
    unmount: function () {
      if (root.parentNode) root.parentNode.removeChild(root);
      shell.unmounted = true;
    }
  };
  return shell;
}

// The values of a form's fields ({name: field(...)}): trimmed, empty ones left out; a required one left empty
// is marked on its field. ok is false when any was.
function collect(fields, t) {
  var body = {};
  var ok = true;
  Object.keys(fields).forEach(function (name) {
    var value = fields[name].control.value.trim();
    fields[name].setError('');
    if (!value && fields[name].control.required) {
      fields[name].setError(t('required'));
      ok = false;
    }
    if (value) body[name] = value;
  });
  return { body: body, ok: ok };
}

// Field errors of a 422 on the fields that show them: errors[].path names the body's field.
function showFieldErrors(fields, failure) {
  var shown = false;
  (failure.errors || []).forEach(function (problem) {
    var key = String(problem.path || '').replace(/^\$\.?/, '');
    if (fields[key]) {
      fields[key].setError(problem.message);
      shown = true;
    }
  });
  return shown;
}

function checkEnvironment(shell, options) {
  var environment = options.environment || 'sandbox';
  if (environment === 'sandbox') return true;
  shell.error(shell.t('error.production'));
  shell.call('onError', new ApiFailure(0, { code: 'ENVIRONMENT_REFUSED', message: 'environment ' + environment + ' is not served by this mock' }));
  return false;
}

function telemetryId(options) {
  return options.telemetry && options.telemetry.trackingId ? String(options.telemetry.trackingId) : undefined;
}

// What both outcomes end with: the time since mount and the host's tracking id, when it gave one.
function stamped(outcome, startedAt, trackingId) {
  outcome.duration_ms = Math.max(0, Math.round(now() - startedAt));
  if (trackingId) outcome.telemetry_id = trackingId;
  return outcome;
}

function now() {
  return window.performance && performance.now ? performance.now() : Date.now();
}

// RFC 8785 canonical JSON: object keys sorted by UTF-16 code units, ECMAScript number and string forms.
function canonicalJson(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  return '{' + Object.keys(value).filter(function (k) { return value[k] !== undefined; }).sort().map(function (key) {
    return JSON.stringify(key) + ':' + canonicalJson(value[key]);
  }).join(',') + '}';
}

// SHA-256 in plain JavaScript (FIPS 180-4), for pages without crypto.subtle (not a secure context).
function sha256Hex(text) {
  var bytes = new TextEncoder().encode(text);
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
    0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
    0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
    0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2
  ];
  var H = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  var length = bytes.length;
  var padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
  padded.set(bytes);
  padded[length] = 0x80;
  var view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
  view.setUint32(padded.length - 4, (length << 3) >>> 0);
  var w = new Uint32Array(64);
  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }
  for (var offset = 0; offset < padded.length; offset += 64) {
    for (var i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
    for (i = 16; i < 64; i++) {
      var s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      var s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
    for (i = 0; i < 64; i++) {
      var t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      h = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    H = [H[0] + a, H[1] + b, H[2] + c, H[3] + d, H[4] + e, H[5] + f, H[6] + g, H[7] + h].map(function (x) { return x >>> 0; });
  }
  return H.map(function (x) { return ('00000000' + x.toString(16)).slice(-8); }).join('');
}

// The lowercase hex SHA-256 of a text: Web Crypto where the page allows it, else the function above.
function digestHex(text) {
  if (window.crypto && crypto.subtle && window.isSecureContext) {
    return crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)).then(function (buffer) {
      return Array.prototype.map.call(new Uint8Array(buffer), function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
    });
  }
  return Promise.resolve(sha256Hex(text));
}
