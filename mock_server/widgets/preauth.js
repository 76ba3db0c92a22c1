// The pre-authorization widget: OsiguPreAuth.mount(options). Steps, in order (contracts/README.md, "Widgets"):
// search_beneficiary, select_products, capture_indication (when the sponsor requires a document),
// review_and_submit, otp_challenge (when the sponsor asks for a verification), outcome.
var PREAUTH_STEPS = ['search_beneficiary', 'select_products', 'capture_indication', 'review_and_submit', 'otp_challenge', 'outcome'];
var APPROVED_AUTHORIZATION = ['READY', 'CREATED', 'PARTIALLY_CLAIMED', 'CLAIMED', 'PAID'];
var MAX_FILE = 5 * 1024 * 1024;
var FILE_TYPES = ['application/pdf', 'image/png', 'image/jpeg'];

// PreAuthOutcome from the authorization request the API answered: one entry per authorization, and one per
// product type for the lines the sponsor rejected (with their reason) or has not decided yet.
function preAuthOutcome(request, startedAt, trackingId) {
  var byId = {};
  (request.authorizations || []).forEach(function (a) { byId[a.id] = a; });
  var groups = [];
  var index = {};
  (request.products || []).forEach(function (line) {
    var authorization = line.authorization_id != null ? byId[line.authorization_id] : null;
    var status;
    if (line.status === 'REJECTED') status = 'REJECTED';
    else if (authorization) {
      status = APPROVED_AUTHORIZATION.indexOf(authorization.status) >= 0 ? 'APPROVED'
        : authorization.status === 'VOIDED' ? 'REJECTED' : 'PENDING_SPONSOR';
    } else if (line.status === 'APPROVED') status = 'APPROVED';
    else status = 'PENDING_SPONSOR';
    // A rejected line is reported apart from its group's authorization, under no code.
    if (status === 'REJECTED') authorization = null;
    var key = authorization ? 'authorization:' + authorization.id : status + ':' + line.product_type + ':' + (line.reason || '');
    var group = index[key];
    if (!group) {
      group = {
        authorization_code: authorization ? authorization.code : null,
        product_type: WIDGET_TYPE[line.product_type] || line.product_type,
        status: status,
        products: []
      };
      if (status === 'REJECTED' && (line.reason || request.rejection_reason)) group.rejection_reason = line.reason || request.rejection_reason;
      if (authorization && authorization.expires_at) group.expires_at = authorization.expires_at;
      index[key] = group;
      groups.push(group);
    }
    group.products.push({ product_code: line.product_code, quantity: line.quantity });
  });
  var pending = groups.some(function (g) { return g.status === 'PENDING_SPONSOR'; }) || request.status === 'PENDING_SPONSOR';
  return stamped({
    authorization_request_id: String(request.id),
    status: pending ? 'PENDING_SPONSOR' : 'COMPLETED',
    authorizations: groups
  }, startedAt, trackingId);
}

function mountPreAuth(options) {
  options = options || {};
  var shell = Shell('preauth', options, ['search_beneficiary', 'select_products', 'review_and_submit', 'outcome']);
  var t = shell.t;
  var prefill = options.prefill || {};
  var api = Api(options.getToken);
  var startedAt = now();
  var messageListener = null;
  var state = {
    sponsor: options.sponsorSlug || null,
    beneficiary: prefill.beneficiaryId ? { beneficiary_id: Number(prefill.beneficiaryId) } : null,
    diagnosis: null,
    products: [],
    documents: {},
    requirements: null,
    extra: {},
    request: null
  };
  var handle = {
    unmount: function () {
      if (messageListener) window.removeEventListener('message', messageListener);
      shell.unmount();
    }
  };
  if (typeof options.getToken !== 'function') throw new Error('osigu widget: getToken must be a function returning a Promise of a token');
  if (!checkEnvironment(shell, options)) return handle;

  function applicableSteps() {
    var r = state.requirements;
    return PREAUTH_STEPS.filter(function (name) {
      if (name === 'capture_indication') return !!(r && r.documents.length);
      if (name === 'otp_challenge') return !!(r && (r.otp || r.biometric)) || shell.current() === 'otp_challenge';
      return true;
    });
  }

  // --- search_beneficiary -------------------------------------------------------------------------
  function stepSearch() {
    shell.setSteps(applicableSteps());
    shell.show('search_beneficiary', function (section) {
      var formHolder = el('div');
      var result = el('div', { class: 'osigu-result' });
      if (state.beneficiary && prefill.beneficiaryId && state.sponsor) {
        section.appendChild(el('p', { class: 'osigu-card', text: t('beneficiary.id', { id: state.beneficiary.beneficiary_id }) }));
        section.appendChild(el('div', { class: 'osigu-actions' }, [button(t('continue'), stepProducts, 'primary')]));
        return;
      }
      if (!options.sponsorSlug) {
        var select = el('select', { required: true }, [el('option', { value: '', text: t('sponsor.choose') })]);
        var sponsorField = field(t('sponsor'), select);
        section.appendChild(sponsorField);
        api.get('/v1/sponsors' + query({ size: 100 })).then(function (page) {
          page.content.forEach(function (s) {
            select.appendChild(el('option', { value: s.sponsor_slug, text: s.name + ' (' + s.country_code + ')', selected: s.sponsor_slug === state.sponsor }));
          });
        }, shell.fail);
        select.addEventListener('change', function () {
          state.sponsor = select.value || null;
          state.beneficiary = null;
          result.textContent = '';
          if (state.sponsor) loadForms(formHolder, result);
          else formHolder.textContent = '';
        });
      }
      section.appendChild(formHolder);
      section.appendChild(result);
      if (state.sponsor) loadForms(formHolder, result);
    });
    if (!shell.ready) {
      shell.ready = true;
      shell.call('onReady');
    }
  }

  function loadForms(holder, result) {
    holder.textContent = t('loading');
    api.get('/v1/sponsors/' + encodeURIComponent(state.sponsor) + '/forms').then(function (forms) {
      holder.textContent = '';
      var chosen = el('div');
      if (forms.length > 1) {
        var fieldset = el('fieldset', { class: 'osigu-choice' }, [el('legend', { text: t('form.choose') })]);
        forms.forEach(function (form, i) {
          var id = uid('form');
          fieldset.appendChild(el('div', { class: 'osigu-option' }, [
            el('input', { type: 'radio', name: 'osigu-form-' + state.sponsor, id: id, value: form.form_slug, checked: i === 0,
              onchange: function () { renderSearchForm(chosen, form, result); } }),
            el('label', { for: id, text: form.fallback_name })
          ]));
        });
        holder.appendChild(fieldset);
      }
      holder.appendChild(chosen);
      if (forms.length) renderSearchForm(chosen, forms[0], result);
    }, shell.fail);
  }

  // The sponsor's own search form, from its definition: one control per field, in the field's order.
  function renderSearchForm(holder, definition, result) {
    holder.textContent = '';
    var given = prefill.beneficiarySearchInput || {};
    var fields = {};
    var form = el('form', { class: 'osigu-form', novalidate: true, 'data-form': definition.form_slug });
    definition.fields.slice().sort(function (a, b) { return (a.order || 0) - (b.order || 0); }).forEach(function (spec) {
      var control;
      if (spec.options && spec.options.length) {
        control = el('select', { name: spec.slug, required: !!spec.required }, spec.options.map(function (option) {
          return el('option', { value: option, text: option, selected: given[spec.slug] === option });
        }));
      } else {
        control = el('input', { type: 'text', name: spec.slug, required: !!spec.required, value: given[spec.slug] || '', autocomplete: 'off' });
      }
      fields[spec.slug] = field(spec.label || spec.slug, control);
      form.appendChild(fields[spec.slug]);
    });
    form.appendChild(el('div', { class: 'osigu-actions' }, [button(t('search'), null, 'primary')]));
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var body = shell.collect(fields);
      if (!body) return;
      shell.clearError();
      shell.busy(true);
      result.textContent = '';
      api.post('/v1/sponsors/' + encodeURIComponent(state.sponsor) + '/search', body).then(function (found) {
        shell.busy(false);
        showBeneficiary(result, found);
      }, function (failure) {
        if (failure.status === 404) {
          shell.busy(false);
          shell.error(t('search.none'));
        } else if (failure.status === 422 && showFieldErrors(fields, failure)) {
          shell.busy(false);
          shell.error(describe(t, failure));
        } else shell.fail(failure);
      });
    });
    holder.appendChild(form);
  }

  function showBeneficiary(result, found) {
    var name = [found.first_name, found.last_name].filter(Boolean).join(' ');
    var lines = [
      el('p', { class: 'osigu-strong', text: name }),
      el('p', { text: t('beneficiary.id', { id: found.beneficiary_id }) })
    ];
    if (found.coverage) {
      lines.push(el('p', { text: t('plan', { plan: found.coverage.plan_code }) }));
      if (found.coverage.active) lines.push(el('p', { text: t('coverage.active', { until: found.coverage.effective_until || '' }) }));
    }
    if (typeof shell.hooks.decorateSearchResult === 'function') {
      var extra = shell.hooks.decorateSearchResult(found);
      if (extra) lines.push(el('p', { class: 'osigu-decoration', text: String(extra) }));
    }
    result.appendChild(el('div', { class: 'osigu-card', 'data-beneficiary': found.beneficiary_id }, lines));
    if (found.coverage && found.coverage.active === false) {
      shell.error(t('search.inactive'));
      return;
    }
    state.beneficiary = found;
    shell.announce(t('search.found', { name: name }));
    var next = button(t('continue'), stepProducts, 'primary');
    result.appendChild(el('div', { class: 'osigu-actions' }, [next]));
    next.focus();
  }

  // --- select_products ----------------------------------------------------------------------------
  function stepProducts() {
    shell.show('select_products', function (section) {
      var diagnosisResults = el('div', { class: 'osigu-results', role: 'group', 'aria-label': t('diagnosis') });
      var diagnosisInput = el('input', { type: 'search', value: prefill.diagnosisCode || (state.diagnosis && state.diagnosis.code) || '', autocomplete: 'off' });
      var diagnosisField = field(t('diagnosis.query'), diagnosisInput);
      function searchDiagnoses() {
        var text = diagnosisInput.value.trim();
        diagnosisResults.textContent = t('loading');
        api.get('/medical-catalogs/v1/diagnoses' + query({ query: text, size: 8 })).then(function (page) {
          diagnosisResults.textContent = '';
          if (!page.content.length) diagnosisResults.textContent = t('diagnosis.none');
          var group = el('fieldset', { class: 'osigu-choice' }, [el('legend', { text: t('diagnosis') })]);
          page.content.forEach(function (d) {
            var id = uid('dx');
            var exact = d.code.toUpperCase() === text.toUpperCase() || (state.diagnosis && state.diagnosis.code === d.code);
            if (exact) state.diagnosis = d;
            group.appendChild(el('div', { class: 'osigu-option' }, [
              el('input', { type: 'radio', name: 'osigu-diagnosis', id: id, value: d.code, checked: !!exact,
                onchange: function () { state.diagnosis = d; diagnosisField.setError(''); } }),
              el('label', { for: id, text: d.code + ' · ' + d.name })
            ]));
          });
          if (page.content.length) diagnosisResults.appendChild(group);
        }, shell.fail);
      }
      var diagnosisSearch = el('form', { class: 'osigu-inline', onsubmit: function (e) { e.preventDefault(); searchDiagnoses(); } },
        [diagnosisField, button(t('search'))]);
      section.appendChild(diagnosisSearch);
      section.appendChild(diagnosisResults);
      if (diagnosisInput.value) searchDiagnoses();

      var list = el('div', { class: 'osigu-products', role: 'group', 'aria-label': t('products') });
      var filter = el('input', { type: 'search', autocomplete: 'off' });
      section.appendChild(el('h4', { text: t('products') }));
      section.appendChild(field(t('products.filter'), filter));
      section.appendChild(list);
      var rows = [];
      var chosen = {};
      (state.products.length ? state.products : (prefill.products || [])).forEach(function (p) { chosen[p.product_code] = p; });
      var restType = options.productType ? (REST_TYPE[options.productType] || options.productType) : undefined;
      api.get('/arc/v1/providers/products' + query({ size: 100, product_type: restType })).then(function (page) {
        if (!page.content.length) list.textContent = t('products.none');
        page.content.forEach(function (product) {
          var preset = chosen[product.product_code];
          var check = el('input', { type: 'checkbox', id: uid('p'), checked: !!preset });
          var quantity = el('input', { type: 'number', min: '1', step: '1', inputmode: 'numeric', value: preset ? String(preset.quantity || 1) : '1', class: 'osigu-qty' });
          var posology = el('input', { type: 'text', value: (preset && preset.posology) || '', autocomplete: 'off' });
          var quantityField = field(t('quantity'), quantity);
          // The quantity (and a medication's posology) only for a chosen product.
          var details = el('div', { class: 'osigu-row-fields', hidden: !preset }, [quantityField, product.product_type === 'DRUG' ? field(t('posology'), posology) : null]);
          check.addEventListener('change', function () { details.hidden = !check.checked; });
          var row = el('div', { class: 'osigu-line', 'data-product': product.product_code }, [
            el('div', { class: 'osigu-option' }, [check, el('label', { for: check.id, text: product.name + ' (' + product.product_code + ') · ' + t('type.' + WIDGET_TYPE[product.product_type]) })]),
            details
          ]);
          rows.push({ product: product, check: check, quantity: quantity, quantityField: quantityField, posology: posology, row: row });
          list.appendChild(row);
        });
      }, shell.fail);
      filter.addEventListener('input', function () {
        var needle = filter.value.trim().toLowerCase();
        rows.forEach(function (r) {
          r.row.hidden = !!needle && (r.product.name + ' ' + r.product.product_code).toLowerCase().indexOf(needle) < 0 && !r.check.checked;
        });
      });
      section.appendChild(el('div', { class: 'osigu-actions' }, [
        button(t('back'), stepSearch),
        button(t('continue'), function () {
          var ok = true;
          diagnosisField.setError('');
          if (!state.diagnosis) {
            diagnosisField.setError(t('diagnosis.pick'));
            ok = false;
          }
          var picked = [];
          rows.forEach(function (r) {
            r.quantityField.setError('');
            if (!r.check.checked) return;
            var quantity = Number(r.quantity.value);
            if (!(quantity >= 1) || Math.floor(quantity) !== quantity) {
              r.quantityField.setError(t('quantity.bad'));
              ok = false;
            }
            var line = { product_code: r.product.product_code, product_type: r.product.product_type, name: r.product.name, quantity: quantity };
            if (r.posology.value.trim()) line.posology = r.posology.value.trim();
            picked.push(line);
          });
          if (!picked.length) {
            shell.error(t('products.pick'));
            return;
          }
          if (!ok) {
            shell.error(t('error.fields'));
            return;
          }
          state.products = picked;
          loadRequirements();
        }, 'primary')
      ]));
    });
  }

  // The sponsor's configuration for each chosen product type, merged: documents, verifications, fields.
  function loadRequirements() {
    shell.busy(true);
    var types = [];
    state.products.forEach(function (p) { if (types.indexOf(p.product_type) < 0) types.push(p.product_type); });
    Promise.all(types.map(function (type) {
      return api.get('/arc/v1/sponsors/' + encodeURIComponent(state.sponsor) + '/configuration' + query({ product_type: type }));
    })).then(function (configs) {
      shell.busy(false);
      var r = { documents: [], otp: false, biometric: false, fields: [], authorizationTypes: null, serviceTypes: [] };
      configs.forEach(function (c) {
        (c.required_documents || []).forEach(function (d) { if (r.documents.indexOf(d) < 0) r.documents.push(d); });
        r.otp = r.otp || !!(c.otp_required && c.otp_required.complete_authorization);
        r.biometric = r.biometric || !!(c.biometric_required && c.biometric_required.complete_authorization);
        (c.required_request_fields || []).forEach(function (f) { if (r.fields.indexOf(f) < 0) r.fields.push(f); });
        if (c.authorization_types && c.authorization_types.required) r.authorizationTypes = c.authorization_types.accepted;
        r.serviceTypes = c.service_type_codes || r.serviceTypes;
      });
      state.requirements = r;
      shell.setSteps(applicableSteps());
      if (r.documents.length) stepIndication();
      else stepReview();
    }, shell.fail);
  }

  // --- capture_indication -------------------------------------------------------------------------
  function stepIndication() {
    shell.show('capture_indication', function (section) {
      section.appendChild(el('p', { text: t('indication.intro') }));
      var inputs = {};
      state.requirements.documents.forEach(function (type) {
        var input = el('input', { type: 'file', accept: '.pdf,.png,.jpg,.jpeg,' + FILE_TYPES.join(','), 'data-document-type': type });
        inputs[type] = field(t('indication.file', { type: t('doc.' + type) }), input);
        section.appendChild(inputs[type]);
      });
      section.appendChild(el('div', { class: 'osigu-actions' }, [
        button(t('back'), stepProducts),
        button(t('continue'), function () {
          var ok = true;
          Object.keys(inputs).forEach(function (type) {
            var f = inputs[type];
            f.setError('');
            var file = f.control.files && f.control.files[0];
            if (!file && !state.documents[type]) {
              f.setError(t('indication.missing', { type: t('doc.' + type) }));
              ok = false;
            } else if (file && FILE_TYPES.indexOf(file.type) < 0) {
              f.setError(t('indication.bad_type'));
              ok = false;
            } else if (file && file.size > MAX_FILE) {
              f.setError(t('indication.too_big'));
              ok = false;
            } else if (file) state.documents[type] = file;
          });
          if (!ok) {
            shell.error(t('error.fields'));
            return;
          }
          stepReview();
        }, 'primary')
      ]));
    });
  }

  // --- review_and_submit --------------------------------------------------------------------------
  function stepReview() {
    shell.show('review_and_submit', function (section) {
      var r = state.requirements;
      var b = state.beneficiary;
      var summary = el('dl', { class: 'osigu-summary' }, [
        el('dt', { text: t('sponsor') }), el('dd', { text: state.sponsor }),
        el('dt', { text: t('beneficiary') }), el('dd', { text: [b.first_name, b.last_name].filter(Boolean).join(' ') + ' (' + b.beneficiary_id + ')' }),
        el('dt', { text: t('diagnosis') }), el('dd', { text: state.diagnosis.code + ' · ' + state.diagnosis.name }),
        el('dt', { text: t('products') }), el('dd', {}, [el('ul', {}, state.products.map(function (p) {
          return el('li', { text: p.name + ' (' + p.product_code + ') × ' + p.quantity + (p.posology ? ' · ' + p.posology : '') });
        }))])
      ]);
      Object.keys(state.documents).forEach(function (type) {
        summary.appendChild(el('dt', { text: t('doc.' + type) }));
        summary.appendChild(el('dd', { text: state.documents[type].name }));
      });
      section.appendChild(summary);
      var fields = {};
      var extras = [];
      if (r.fields.indexOf('professional_license_number') >= 0) extras.push(['professional_license_number', el('input', { type: 'text', required: true, value: state.extra.professional_license_number || '' })]);
      if (r.fields.indexOf('service_type_code') >= 0) extras.push(['service_type_code', el('select', { required: true }, r.serviceTypes.map(function (c) { return el('option', { value: c, text: c }); }))]);
      if (r.authorizationTypes) extras.push(['authorization_type', el('select', { required: true }, r.authorizationTypes.map(function (c) { return el('option', { value: c, text: c }); }))]);
      if (extras.length) {
        var fieldset = el('fieldset', { class: 'osigu-choice' }, [el('legend', { text: t('review.extra') })]);
        extras.forEach(function (pair) {
          fields[pair[0]] = field(t('field.' + pair[0]), pair[1]);
          fieldset.appendChild(fields[pair[0]]);
        });
        section.appendChild(fieldset);
      }
      var back = button(t('back'), r.documents.length ? stepIndication : stepProducts);
      var submit = button(t('submit'), function () {
        var given = shell.collect(fields);
        if (!given) return;
        state.extra = given;
        submitRequest(fields);
      }, 'primary');
      section.appendChild(el('div', { class: 'osigu-actions' }, [back, submit]));
    });
  }

  function buildPayload() {
    var payload = {
      beneficiary_id: state.beneficiary.beneficiary_id,
      sponsor_slug: state.sponsor,
      // The schema page's body (accepted by a --strict mock too), not the guide's diagnosis_code.
      diagnoses: [{ coding_system: 'ICD-10', code: state.diagnosis.code, type_enum: 'CHIEF_COMPLAINT' }],
      products: state.products.map(function (p) {
        var line = { product_code: p.product_code, product_type: p.product_type, quantity: p.quantity };
        if (p.posology) line.posology = p.posology;
        return line;
      })
    };
    Object.keys(state.extra).forEach(function (name) { if (state.extra[name]) payload[name] = state.extra[name]; });
    return payload;
  }

  function submitRequest(fields) {
    shell.clearError();
    var payload = buildPayload();
    var decided = typeof shell.hooks.beforeSubmit === 'function' ? shell.hooks.beforeSubmit(payload) : payload;
    Promise.resolve(decided).then(function (result) {
      if (result === false) {
        shell.error(t('review.cancelled'));
        return null;
      }
      var body = result && typeof result === 'object' ? result : payload;
      shell.busy(true);
      shell.announce(t('submitting'));
      var created = state.request ? Promise.resolve(state.request) : api.post('/arc/v1/authorization-requests', body);
      return created.then(function (request) {
        state.request = request;
        var uploads = Object.keys(state.documents).filter(function (type) {
          return !(request.documents || []).some(function (d) { return d.document_type === type; });
        }).map(function (type) {
          var form = new FormData();
          form.append('document_type', type);
          form.append('file', state.documents[type], state.documents[type].name);
          return api.post('/arc/v1/authorization-requests/' + request.id + '/indications', form);
        });
        return Promise.all(uploads);
      }).then(function () { return complete({}); });
    }).catch(function (failure) {
      if (failure instanceof ApiFailure && failure.status === 422 && !isFatal(failure)) {
        shell.busy(false);
        showFieldErrors(fields || {}, failure);
        shell.error(describe(t, failure));
      } else shell.fail(failure);
    });
  }

  function complete(body) {
    return api.post('/arc/v1/authorization-requests/' + state.request.id + '/complete', body).then(function (request) {
      state.request = request;
      stepOutcome(request);
    }, function (failure) {
      if (failure instanceof ApiFailure && failure.status === 422 && failure.body && failure.body.verification_required) {
        stepChallenge(failure.body);
        return;
      }
      throw failure;
    });
  }

  // --- otp_challenge: the mock's challenge page in an iframe; it posts its result to this page's origin ---
  function stepChallenge(refusal) {
    var kind = refusal.verification_required;
    if (!state.requirements) state.requirements = { documents: [], otp: false, biometric: false, fields: [] };
    if (kind === 'OTP') state.requirements.otp = true;
    else state.requirements.biometric = true;
    shell.setSteps(applicableSteps());
    shell.busy(false);
    shell.show('otp_challenge', function (section) {
      section.appendChild(el('p', { text: t(kind === 'OTP' ? 'otp.intro' : 'biometric.intro') }));
      var source = refusal.challenge_url + (refusal.challenge_url.indexOf('?') >= 0 ? '&' : '?') +
        'origin=' + encodeURIComponent(location.origin) + '&locale=' + encodeURIComponent(shell.locale) +
        '&theme=' + encodeURIComponent(shell.theme);
      var frame = el('iframe', { src: source, title: t('otp.frame'), class: 'osigu-frame' });
      section.appendChild(frame);
      if (messageListener) window.removeEventListener('message', messageListener);
      messageListener = function (event) {
        if (event.origin !== HOST || event.source !== frame.contentWindow || !event.data) return;
        var data = event.data;
        var body = null;
        if (data.type === 'osigu:otp' && data.otp_verification_token) body = { otp_verification_token: data.otp_verification_token };
        else if (data.type === 'osigu:challenge') body = {};
        if (!body) return;
        window.removeEventListener('message', messageListener);
        messageListener = null;
        shell.announce(t('otp.verified'));
        complete(body).catch(shell.fail);
      };
      window.addEventListener('message', messageListener);
    });
  }

  // --- outcome ------------------------------------------------------------------------------------
  function stepOutcome(request) {
    shell.busy(false);
    var outcome = preAuthOutcome(request, startedAt, telemetryId(options));
    shell.show('outcome', function (section) {
      section.appendChild(el('p', { class: 'osigu-strong', 'data-outcome': outcome.status, text: t('outcome.' + outcome.status) }));
      section.appendChild(el('p', { text: t('outcome.request', { id: outcome.authorization_request_id }) }));
      var list = el('ul', { class: 'osigu-outcomes' });
      outcome.authorizations.forEach(function (a) {
        list.appendChild(el('li', { class: 'osigu-card osigu-status-' + a.status.toLowerCase(), 'data-status': a.status }, [
          el('p', { class: 'osigu-badge', text: t('status.' + a.status) + ' · ' + t('type.' + a.product_type) }),
          a.authorization_code ? el('p', {}, [t('code') + ': ', el('strong', { class: 'osigu-code', text: a.authorization_code })]) : null,
          a.expires_at ? el('p', { text: t('expires', { date: a.expires_at.slice(0, 10) }) }) : null,
          a.rejection_reason ? el('p', { text: t('reason', { reason: a.rejection_reason }) }) : null,
          el('ul', {}, a.products.map(function (p) { return el('li', { text: p.product_code + ' × ' + p.quantity }); }))
        ]));
      });
      section.appendChild(list);
      section.appendChild(shell.closeRow());
    });
    shell.completeOnce(outcome);
  }

  stepSearch();
  return handle;
}
