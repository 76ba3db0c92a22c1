from __future__ import annotations

from mock_server.settings import Settings


def test_environment_variables_override_defaults_and_flags_override_both():
    env = {"OSIGU_MOCK_PORT": "9000", "OSIGU_MOCK_SANDBOX_LIMITS": "true", "OSIGU_MOCK_ADMIN_TOKEN": "s3cret"}
    settings = Settings.from_env(env)
    assert (settings.port, settings.sandbox_limits, settings.admin_token) == (9000, True, "s3cret")
    assert Settings.from_env(env, port=7000).port == 7000
    assert Settings.from_env({}, port=None).port == 8080


def test_base_url_uses_loopback_for_a_wildcard_host():
    assert Settings(host="0.0.0.0", port=8081).base_url == "http://127.0.0.1:8081"
    assert Settings(public_url="https://mock.example/").base_url == "https://mock.example"


def test_the_domains_configuration_is_taken_from_the_settings_of_the_same_names():
    from dataclasses import fields

    from mock_server.domain.config import DomainConfig
    from mock_server.sandbox import domain_config

    settings = Settings(sandbox_limits=True, webhook_allow=("*",), outbox_size=7, token_ttl_seconds=60)
    config = domain_config(settings)
    assert (config.sandbox_limits, config.webhook_allow, config.outbox_size, config.token_ttl_seconds) == (
        True,
        ("*",),
        7,
        60,
    )
    # the defaults agree, so a domain built without settings behaves like the served mock
    assert domain_config(Settings()) == DomainConfig()
    assert {f.name for f in fields(DomainConfig)} <= {f.name for f in fields(Settings)}
