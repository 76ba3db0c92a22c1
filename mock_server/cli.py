"""``osigu-mock``: serve the mock, keep the contracts in sync.

osigu-mock serve [--host 127.0.0.1] [--port 8080] [--seed N] [--no-admin] [--admin-token T]
                 [--insecure-admin] [--strict] [--sandbox-limits] [--frozen-clock]
osigu-mock contract [--target inprocess|sandbox|examples|URL] [--report PATH] [--strict] [--allow-writes]
                    [--allow-production] [--fuzz N] [--jobs N] [--fuzz-only REGEX] [--quiet]
                              check a target against the contract (the contract kit)
osigu-mock scenario run [PATH...] [--target URL|sandbox] [--quiet]
                              run the QA scenario files (default: the shipped library)
osigu-mock contracts sync     regenerate openapi.yaml's error responses from errors.yaml
osigu-mock contracts check    fail when they drift
"""

from __future__ import annotations

import sys

import click

from mock_server import __version__
from mock_server.settings import Settings

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="osigu-mock")
def cli() -> None:
    """A stateful mock of the OSIGU sandbox and a contract-test kit."""


@cli.command()
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1; OSIGU_MOCK_HOST).")
@click.option("--port", type=int, default=None, help="Port (default 8080; 0 picks a free one; OSIGU_MOCK_PORT).")
@click.option("--seed", type=int, default=None, help="World seed (default 1234; OSIGU_MOCK_SEED).")
@click.option("--no-admin", "no_admin", is_flag=True, default=False, help="Serve without the /__admin control plane.")
@click.option(
    "--admin-token", default=None, help="Require 'Authorization: Bearer <token>' on /__admin (OSIGU_MOCK_ADMIN_TOKEN)."
)
@click.option(
    "--insecure-admin",
    is_flag=True,
    default=None,
    help="Allow an unprotected /__admin where an admin token is required (the container image).",
)
@click.option(
    "--strict", is_flag=True, default=None, help="Accept only the schema-page request shapes (no guide aliases)."
)
@click.option(
    "--sandbox-limits", is_flag=True, default=None, help="Enforce the sandbox's 50 requests per minute per client."
)
@click.option(
    "--frozen-clock", is_flag=True, default=None, help="Start every tenant's clock frozen (it moves only when told)."
)
@click.option(
    "--require-https-webhooks",
    is_flag=True,
    default=None,
    help="Refuse http:// webhook URLs, as OSIGU does (OSIGU_MOCK_REQUIRE_HTTPS_WEBHOOKS).",
)
@click.option(
    "--webhook-allow",
    multiple=True,
    help="A host webhook URLs may point at (repeatable; '*' for any; default loopback; OSIGU_MOCK_WEBHOOK_ALLOW=a,b).",
)
@click.option(
    "--log-level", default="warning", show_default=True, type=click.Choice(["debug", "info", "warning", "error"])
)
def serve(
    host: str | None,
    port: int | None,
    seed: int | None,
    no_admin: bool,
    admin_token: str | None,
    insecure_admin: bool | None,
    strict: bool | None,
    sandbox_limits: bool | None,
    frozen_clock: bool | None,
    require_https_webhooks: bool | None,
    webhook_allow: tuple[str, ...],
    log_level: str,
) -> None:
    """Serve the mock until Ctrl-C."""
    settings = Settings.from_env(
        host=host,
        port=port,
        seed=seed,
        admin_enabled=False if no_admin else None,
        admin_token=admin_token,
        # A flag left off means "not given", so the environment variable still applies.
        insecure_admin=insecure_admin or None,
        strict=strict or None,
        sandbox_limits=sandbox_limits or None,
        frozen_clock=frozen_clock or None,
        require_https_webhooks=require_https_webhooks or None,
        webhook_allow=tuple(h.strip().lower() for h in webhook_allow) or None,
    )
    if (
        settings.admin_enabled
        and settings.require_admin_token
        and not settings.admin_token
        and not settings.insecure_admin
    ):
        raise click.UsageError(
            "this deployment requires an admin token: pass --admin-token (or OSIGU_MOCK_ADMIN_TOKEN), "
            "--no-admin, or --insecure-admin to serve /__admin unprotected"
        )
    from mock_server.server import run

    run(settings, log_level=log_level)


STATUS_COLOURS = {"passed": "green", "failed": "red", "mock-only": "yellow", "skipped": "yellow"}


@cli.command()
@click.option(
    "--target",
    "target_spec",
    default="inprocess",
    show_default=True,
    help="inprocess (the app in this process), a URL (a served mock, say), sandbox (OSIGU_BASE_URL with "
    "OSIGU_CLIENT_ID / OSIGU_CLIENT_SECRET), or examples (the guides' example payloads).",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the drift report to PATH.json and PATH.md.",
)
@click.option("--strict", is_flag=True, help="An inferred item the target contradicts fails the run too.")
@click.option("--allow-writes", is_flag=True, help="Let checks that write run against a target that is not the mock.")
@click.option("--allow-production", is_flag=True, help="Allow OSIGU's production host as a target.")
@click.option(
    "--fuzz",
    "fuzz_examples",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Also fuzz every operation with schemathesis, N examples each (0: no fuzzing).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes to fuzz in (the mock only; the real sandbox is fuzzed in one).",
)
@click.option("--fuzz-only", default=None, help="Fuzz only the operations whose 'METHOD /path' matches this regex.")
@click.option("-q", "--quiet", is_flag=True, help="Only the closing summary.")
def contract(
    target_spec: str,
    report_path: str | None,
    strict: bool,
    allow_writes: bool,
    allow_production: bool,
    fuzz_examples: int,
    jobs: int,
    fuzz_only: str | None,
    quiet: bool,
) -> None:
    """Check a target against the contract: every documented flow, every answer against contracts/, and a
    drift report. Exits 1 when a confirmed fact is violated or a step fails (an inferred one too with
    --strict), 0 otherwise; the real sandbox without credentials is skipped with one line."""
    from mock_server.kit.runner import check_target
    from mock_server.kit.target import TargetRefused, select_target

    try:
        target = select_target(target_spec, allow_writes=allow_writes, allow_production=allow_production)
    except TargetRefused as refused:
        raise click.UsageError(str(refused)) from refused
    if target.skip_reason:
        click.echo(f"osigu-mock contract: {target.label}: skipped: {target.skip_reason}")
        return

    def progress(check) -> None:
        if not quiet:
            status = click.style(f"{check.status:<9}", fg=STATUS_COLOURS[check.status])
            detail = f"  ({check.detail})" if check.detail and check.status != "passed" else ""
            click.echo(f"  {status} {check.flow}: {check.step}{detail}")

    click.echo(f"osigu-mock contract: checking {target.label}")
    fuzz = None
    if fuzz_examples and target.kind != "examples":
        click.echo(f"then fuzzing every operation, {fuzz_examples} examples each")
        fuzz = {"examples": fuzz_examples, "jobs": jobs, "progress": not quiet, "only": fuzz_only}
    if target.kind == "inprocess":
        from mock_server.inprocess import inprocess_client

        # The fuzzer gets apps of its own (one per job), so that nothing the flows did is in its way.
        fuzz = fuzz and {**fuzz, "app_factory": inprocess_client}
        with inprocess_client() as http:
            report = check_target(target, client=http, strict=strict, progress=progress, fuzz=fuzz)
    else:
        report = check_target(target, strict=strict, progress=progress, fuzz=fuzz)
    for line in report.summary_lines():
        click.echo(line)
    if report_path:
        json_path, markdown_path = report.write(report_path)
        click.echo(f"report: {json_path} and {markdown_path}")
    if report.outcome == "failed":
        for reason in report.failures()[:20]:
            click.echo(click.style("  " + reason, fg="red"), err=True)
        sys.exit(1)


@cli.group()
def scenario() -> None:
    """QA scenario files (Tavern YAML): what should happen, checked against a mock."""


@scenario.command("run")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "--target",
    default=None,
    help="A running mock's URL (default: one served on loopback for the run; each scenario gets its own tenant), "
    "or 'sandbox': the real sandbox of OSIGU_BASE_URL with OSIGU_CLIENT_ID / OSIGU_CLIENT_SECRET.",
)
@click.option("--allow-production", is_flag=True, help="Let OSIGU_BASE_URL name OSIGU's production host.")
@click.option("-q", "--quiet", is_flag=True, help="A dot per scenario instead of a line.")
def scenario_run(paths: tuple[str, ...], target: str | None, allow_production: bool, quiet: bool) -> None:
    """Run scenario files (default: the shipped library); exit non-zero when one fails."""
    from mock_server.kit.target import TargetRefused
    from mock_server.scenarios import run_scenarios, sandbox_skip_reason

    if target == "sandbox":
        try:
            reason = sandbox_skip_reason(allow_production)
        except TargetRefused as refused:
            click.echo(f"scenarios: refused: {refused}", err=True)
            sys.exit(2)
        if reason:
            click.echo(f"scenarios: skipped against the sandbox: {reason}")
            return

    code, counts = run_scenarios(paths, target, quiet)
    order = ("passed", "failed", "mock-only", "skipped")
    click.echo("scenarios: " + ", ".join(f"{counts.get(k, 0)} {k}" for k in order))
    sys.exit(code if code not in (5,) else 1)


@cli.group()
def contracts() -> None:
    """Keep contracts/openapi.yaml's error responses (from contracts/errors.yaml) and schemathesis.toml's
    accepted statuses (from contracts/openapi.yaml) generated."""


@contracts.command("sync")
def contracts_sync() -> None:
    """Regenerate the error responses in contracts/openapi.yaml, then schemathesis.toml's accepted statuses."""
    from mock_server.core.contracts import write_synced, write_synced_schemathesis

    changed = write_synced()
    click.echo("contracts/openapi.yaml updated" if changed else "contracts/openapi.yaml already in sync")
    changed = write_synced_schemathesis()
    click.echo("schemathesis.toml updated" if changed else "schemathesis.toml already in sync (or absent)")


@contracts.command("check")
def contracts_check() -> None:
    """Exit 1 when contracts/openapi.yaml's error responses (or schemathesis.toml's accepted statuses) drift."""
    from mock_server.core.contracts import openapi_document, schemathesis_file, synced, synced_schemathesis

    if synced(openapi_document()) != openapi_document():
        click.echo("contracts/openapi.yaml is out of date: run `osigu-mock contracts sync`", err=True)
        sys.exit(1)
    toml = schemathesis_file()
    if toml.exists() and synced_schemathesis(toml.read_text(encoding="utf-8"), openapi_document()) != toml.read_text(
        encoding="utf-8"
    ):
        click.echo("schemathesis.toml is out of date: run `osigu-mock contracts sync`", err=True)
        sys.exit(1)
    click.echo("contracts in sync")


def main() -> None:
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
