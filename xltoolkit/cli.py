"""The `xltool` command line.

Exit codes: 0 success; 1 problems found in the input (validate/merge); 2 nothing could be done
(bad usage, unreadable plan, unwritable output). Heavy libraries are imported inside commands so
`xltool --help` stays fast.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Optional

import click

EXIT_OK, EXIT_PROBLEMS, EXIT_FAILURE = 0, 1, 2


def _labels():
    from .labels import get_labels

    return get_labels()


def _fail(message: str) -> "click.exceptions.Exit":
    click.echo(_labels().fmt("cli.error", message=message), err=True)
    return click.exceptions.Exit(EXIT_FAILURE)


def handle_errors(func):
    """Turn expected failures into a message and exit code 2; never show a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from .files import OutputError
        from .plans import PlanFileError

        try:
            return func(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except PlanFileError as exc:
            raise _fail(str(exc)) from None
        except OutputError as exc:
            raise _fail(str(exc)) from None
        except KeyboardInterrupt:
            raise click.exceptions.Exit(130) from None
        except Exception as exc:  # a bug: say so plainly, keep the traceback for debugging
            if os.environ.get("XLTOOL_DEBUG"):
                raise
            click.echo(_labels().fmt("cli.internal", message=f"{type(exc).__name__}: {exc}"), err=True)
            raise click.exceptions.Exit(EXIT_FAILURE) from None

    return wrapper


def _load(plan_ref: Optional[str]):
    from .plans import load_plan

    return load_plan(plan_ref)


def _period(plan, text: Optional[str]):
    from .generate import default_period
    from .model import Period

    if not text:
        return default_period(plan)
    try:
        period = Period.parse(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None
    reason = plan.accepts(period)
    if reason:
        raise _fail(_labels().fmt("cli.period_rejected", period=text, reason=reason))
    return period


PLAN_HELP = "Plan file (.yaml/.json) or bundled plan name; default: the bundled 14th-FYP scheme."


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="xltool", prog_name="xltool")
def main() -> None:
    """xltool: plan -> workbooks for departments -> returns -> one checked summary.

    \b
    Typical loop:
      xltool plan show                      what the plan holds
      xltool generate --period 2022Q4       master workbook + one return per unit
      (departments fill their returns in Excel, WPS or LibreOffice)
      xltool validate RETURN.xlsx           a department checks its file before sending
      xltool merge generated/returns        check all returns and build the summary
    """


@main.group()
def plan() -> None:
    """Inspect plan files."""


@plan.command("show")
@click.argument("plan_ref", metavar="[PLAN]", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the normalized plan as JSON.")
@handle_errors
def plan_show(plan_ref: Optional[str], as_json: bool) -> None:
    """Summarize PLAN: counts, each unit's share, unassigned items, warnings."""
    p = _load(plan_ref)
    if as_json:
        import json

        from .plans import public_json

        click.echo(json.dumps(public_json(p), ensure_ascii=False, indent=2))
        return
    from .plans import fingerprint

    lab = _labels()
    echo = click.echo
    echo(lab.fmt("cli.plan_header", title=p.title, id=p.id))
    echo(lab.fmt("cli.plan_doc", doc_number=p.doc_number or "-", issuer=p.issuer or "-",
                 published=p.published or "-", source=p.source_file or "-"))
    echo(lab.fmt("cli.plan_fingerprint", fingerprint=fingerprint(p), start=p.horizon[0], end=p.horizon[1],
                 kinds="/".join(k.value for k in p.period_kinds)))
    task_targets = sum(len(t.targets) for t in p.tasks)
    echo(lab.fmt("cli.plan_counts", indicators=len(p.indicators),
                 binding=sum(1 for i in p.indicators if i.kind.value == "binding"),
                 expected=sum(1 for i in p.indicators if i.kind.value == "expected"),
                 chapters=len(p.chapters), tasks=len(p.tasks), targets=len(p.indicators) + task_targets,
                 indicator_targets=len(p.indicators), task_targets=task_targets, units=len(p.units),
                 aliases=sum(len(u.aliases) for u in p.units)))
    if not p.units_assigned:
        echo(lab["cli.plan_not_assigned"])
    if p.units:
        echo(lab["cli.plan_units_title"])
    warnings = []
    for u in p.units:
        il = sum(1 for i in p.indicators if u.name in i.lead_units)
        ir = sum(1 for i in p.indicators if u.name in i.responsible_units)
        tl = sum(1 for t in p.tasks if u.name in t.lead_units)
        tr = sum(1 for t in p.tasks if u.name in t.responsible_units)
        echo(lab.fmt("cli.plan_unit_line", name=u.name, kind=lab["unit_kind." + u.kind.value],
                     il=il, ir=ir, tl=tl, tr=tr))
        if il + ir + tl + tr == 0:
            warnings.append(lab.fmt("cli.plan_unused_unit", name=u.name))
    echo(lab.fmt("cli.plan_unassigned", indicators=len(p.unassigned_indicators), tasks=len(p.unassigned_tasks)))
    if p.decisions:
        echo(lab.fmt("cli.plan_decisions", count=len(p.decisions)))
    for w in warnings:
        echo(lab.fmt("cli.warning", message=w))


@main.command()
@click.option("--plan", "plan_ref", metavar="PLAN", help=PLAN_HELP)
@click.option("--period", metavar="PERIOD",
              help="Reporting period: 2022 (year), 2022H2 (half) or 2022Q4 (quarter). "
                   "Default: the latest ended quarter within the plan's horizon, else its last year.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("generated"),
              show_default=True, help="Output folder; returns go to OUT/returns/.")
@click.option("--password", default=None, help="Sheet-protection password (default: protected without one).")
@click.option("--force", is_flag=True, help="Overwrite workbooks even if someone has filled them in.")
@handle_errors
def generate(plan_ref: Optional[str], period: Optional[str], out_dir: Path, password: Optional[str],
             force: bool) -> None:
    """Write the master workbook and one return workbook per unit."""
    from .generate import generate as run

    p = _load(plan_ref)
    per = _period(p, period)
    lab = _labels()
    show = sys.stderr.isatty()

    def progress(n: int, total: int, name: str) -> None:
        if show:
            click.echo(f"\r{lab['cli.generate_progress']} {n}/{total} {name[:40]:<40}", nl=(n == total), err=True)

    result = run(p, per, out_dir, password=password, force=force, progress=progress, labels=lab)
    for path, reason in result.kept:
        click.echo(lab.fmt("cli.warning", message=lab.fmt("cli.generate_kept", path=path, reason=reason)), err=True)
    if not p.reporting_units:
        click.echo(lab.fmt("cli.warning", message=lab["cli.generate_no_units"]), err=True)
    click.echo(lab.fmt("cli.generate_done", master=result.master or "-", returns=len(result.returns),
                       folder=out_dir / "returns", seconds=result.seconds))


if __name__ == "__main__":  # pragma: no cover
    main()
