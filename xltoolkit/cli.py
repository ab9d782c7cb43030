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
        from .problems import XltoolError

        if not os.environ.get("XLTOOL_DEBUG"):
            sys.unraisablehook = _quiet_unraisable
        try:
            return func(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except XltoolError as exc:  # PlanFileError included: shown with its code
            lab = _labels()
            click.echo(lab.fmt("cli.error_coded", code=exc.code, message=exc.render(lab)), err=True)
            raise click.exceptions.Exit(EXIT_FAILURE) from None
        except KeyboardInterrupt:
            raise click.exceptions.Exit(130) from None
        except BrokenPipeError:  # output piped into `head` and closed early: not an error of ours
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise click.exceptions.Exit(EXIT_OK) from None
        except Exception as exc:  # a bug: say so plainly, keep the traceback for debugging
            if os.environ.get("XLTOOL_DEBUG"):
                raise
            click.echo(_labels().fmt("cli.internal", message=f"{type(exc).__name__}: {exc}"), err=True)
            raise click.exceptions.Exit(EXIT_FAILURE) from None

    return wrapper


def _quiet_unraisable(unraisable) -> None:
    """Errors Python can only report while collecting an object (a zip file closed on a full disk:
    "Exception ignored in: <function ZipFile.__del__>"): the failure itself has been reported
    already, as one coded message; no traceback on the console."""


def _load(plan_ref: Optional[str]):
    from .plans import load_plan

    return load_plan(plan_ref)


def _period(plan, text: Optional[str]):
    """The --period asked for, or the default one; exit 2 when it cannot be used (PERIOD_INVALID as a
    usage error of --period, PERIOD_OUTSIDE_HORIZON / PERIOD_KIND_NOT_ACCEPTED as an XltoolError)."""
    from .generate import default_period
    from .model import Period, PeriodError
    from .planerrors import LabelledError

    if not text:
        return default_period(plan)
    period = _parse_period(text)
    reason = plan.accepts(period)
    if reason is not None:
        raise LabelledError(reason.code, **reason.params)
    return period


def _parse_period(text: str):
    """--period as a Period; bad text is a usage error of --period (exit 2), worded from errors.PERIOD_INVALID."""
    from .model import Period, PeriodError
    from .planerrors import LabelledError

    try:
        return Period.parse(text)
    except PeriodError as exc:
        raise click.BadParameter(LabelledError(exc.code, **exc.params).render(_labels()), param_hint="--period") from None


def _jobs(ctx, param, text: str) -> Optional[int]:
    """--jobs: None for auto, else a positive number (checked before any work starts)."""
    if str(text).strip().lower() == "auto":
        return None
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise click.BadParameter(_labels().fmt("usage.jobs_invalid", value=text), param_hint="--jobs")
    return n


def _show_version(ctx, param, value) -> None:
    if not value or ctx.resilient_parsing:
        return
    from importlib.metadata import version

    from .clickzh import gettext

    click.echo(gettext("%(prog)s, version %(version)s") % {"prog": "xltool", "version": version("xltool")})
    ctx.exit()


class _Xltool(click.Group):
    """The top-level group: picks the locale (--locale, XLTOOL_LOCALE) before click parses anything,
    so usage errors and every --help page come from that locale's label file (see clickzh.py)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        from .clickzh import gettext, localized, show_error
        from .labels import LocaleError

        args = list(sys.argv[1:] if args is None else args)
        try:
            with localized(self, args) as labels:
                if not standalone_mode:
                    return super().main(args, prog_name, complete_var, False, **extra)
                # click's standalone handling, with its error messages shown in the locale.
                try:
                    rv = super().main(args, prog_name, complete_var, False, **extra)
                except click.ClickException as exc:
                    show_error(exc, labels)
                    sys.exit(exc.exit_code)
                except click.Abort:
                    click.echo(gettext("Aborted!"), err=True)
                    sys.exit(1)
                sys.exit(rv if isinstance(rv, int) else EXIT_OK)
        except LocaleError as exc:
            from .planerrors import LabelledError

            click.echo(_labels().fmt("cli.error_coded", code=exc.code, message=LabelledError(
                exc.code, locale=exc.locale, available=exc.available).render(_labels())), err=True)
            sys.exit(EXIT_FAILURE)


@click.group("xltool", cls=_Xltool, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version)
@click.option("--locale", metavar="LOCALE", envvar="XLTOOL_LOCALE", show_envvar=True, expose_value=False,
              is_eager=True)
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
@click.option("--json", "as_json", is_flag=True)
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
    from collections import Counter

    counts = {key: Counter(n for item in items for n in getattr(item, role)) for key, items, role in (
        ("il", p.indicators, "lead_units"), ("ir", p.indicators, "responsible_units"),
        ("tl", p.tasks, "lead_units"), ("tr", p.tasks, "responsible_units"))}  # one pass, not units x items
    for u in p.units:
        il, ir, tl, tr = (counts[k][u.name] for k in ("il", "ir", "tl", "tr"))
        echo(lab.fmt("cli.plan_unit_line", name=u.name, kind=lab["unit_kind." + u.kind.value],
                     il=il, ir=ir, tl=tl, tr=tr))
        if il + ir + tl + tr == 0:
            warnings.append(lab.fmt("cli.plan_unused_unit", name=u.name))
    echo(lab.fmt("cli.plan_unassigned", indicators=len(p.unassigned_indicators), tasks=len(p.unassigned_tasks)))
    if p.decisions:
        echo(lab.fmt("cli.plan_decisions", count=len(p.decisions)))
    for w in warnings:
        echo(lab.fmt("cli.warning", message=w))


@plan.command("export")
@click.argument("plan_ref", metavar="PLAN", required=False)
@click.option("-o", "--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--suggest-from", "suggest_ref", metavar="PLAN", default=None)
@handle_errors
def plan_export(plan_ref: Optional[str], out_path: Path, suggest_ref: Optional[str]) -> None:
    """Write PLAN's plan workbook (分工表): units, assignments, baselines to fill in Excel."""
    import datetime as dt

    from .files import atomic_path
    from .plans import fingerprint
    from .writing.planbook import write_planbook

    lab = _labels()
    p = _load(plan_ref)
    other = _load(suggest_ref) if suggest_ref else None
    suggestions = None
    if other is not None:
        from .suggest import suggest

        suggestions = suggest(p, other)
    stamp = dt.datetime.now().replace(microsecond=0).isoformat()
    with atomic_path(out_path) as tmp:
        write_planbook(tmp, p, fingerprint(p), lab, stamp, suggestions, other=other)
    click.echo(lab.fmt("cli.plan_exported", path=out_path, units=len(p.units), indicators=len(p.indicators),
                       tasks=len(p.tasks), targets=sum(len(t.targets) for t in p.tasks),
                       suggested=len([s for s in (suggestions or {}).values() if s.units])))


@plan.command("import")
@click.argument("book", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--id", "new_id", default=None)
@click.option("--plan", "plan_ref", metavar="PLAN", default=None)
@handle_errors
def plan_import(book: Path, out_path: Path, new_id: Optional[str], plan_ref: Optional[str]) -> None:
    """Read a filled plan workbook and write the plan file it describes (nothing on an error)."""
    import hashlib

    from .files import atomic_path
    from .planbook import PlanbookError, plan_from_planbook, read_planbook, render_problem
    from .plans import fingerprint, plan_from_data, plan_yaml_text
    from .reading import ReturnFileError
    from .validation import file_problem

    lab = _labels()
    try:
        raw = read_planbook(book, lab)
        digest = hashlib.sha256(book.read_bytes()).hexdigest()
    except ReturnFileError as exc:
        raise _fail(f"{exc.code} [{book}] {file_problem(str(book), exc).text(lab)}") from None
    source = _load(plan_ref or raw.meta.get("plan_id") or None)
    result = plan_from_planbook(raw, source, fingerprint(source), lab, new_id=new_id, file_digest=digest)
    if result.errors:
        raise PlanbookError("PLANBOOK_INVALID", path=book, problems=result.problems)
    plan = plan_from_data(result.data, str(book))
    for problem in result.problems:
        click.echo(render_problem(problem, lab), err=True)
    text = plan_yaml_text(plan.model_dump(mode="json", exclude_none=False),
                          lab.fmt("cli.plan_import_comment", book=book.name, source=source.id))
    with atomic_path(out_path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    assigned = sum(1 for _, item in plan._located_items() if item.units)
    click.echo(lab.fmt("cli.plan_imported", path=out_path, id=plan.id, units=len(plan.units), assigned=assigned,
                       items=len(plan.indicators) + len(plan.tasks), warnings=len(result.problems)))


@main.command()
@click.option("--plan", "plan_ref", metavar="PLAN")
@click.option("--period", metavar="PERIOD")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("generated"),
              show_default=True)
@click.option("--password", default=None)
@click.option("--force", is_flag=True)
@click.option("--jobs", "jobs", default="auto", show_default=True, metavar="N", callback=_jobs)
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None, envvar="XLTOOL_DB")
@click.option("--prefill", is_flag=True)
@handle_errors
def generate(plan_ref: Optional[str], period: Optional[str], out_dir: Path, password: Optional[str],
             force: bool, jobs: Optional[int], db: Optional[Path], prefill: bool) -> None:
    """Write the master workbook and one return workbook per unit."""
    from .generate import generate as run
    from .history import database_path, earlier_periods

    p = _load(plan_ref)
    per = _period(p, period)
    lab = _labels()
    earlier = earlier_periods(database_path(db), p.id, per.start.isoformat())
    if earlier is not None:
        click.echo(lab.fmt("cli.generate_last_period", period=earlier["previous"]["period"],
                           units=len(earlier["last_answers"])), err=True)
        if prefill:
            click.echo(lab["cli.generate_prefilled"], err=True)
    elif prefill:
        click.echo(lab.fmt("cli.warning", message=lab["cli.generate_prefill_nothing"]), err=True)
    result = run(p, per, out_dir, password=password, force=force, progress=_progress(lab["cli.generate_progress"]),
                 labels=lab, jobs=jobs, earlier=earlier, prefill=prefill)
    for path, reason in result.kept:
        click.echo(lab.fmt("cli.warning", message=lab.fmt("cli.generate_kept", path=path, reason=reason)), err=True)
    from .writing.matrix_list import GRID_MAX_CELLS, matrix_as_list

    if result.master is not None and matrix_as_list(p, p.reporting_units):
        click.echo(lab.fmt("cli.warning", message=lab.fmt(
            "cli.generate_matrix_list", units=len(p.reporting_units), items=len(p.indicators) + len(p.tasks),
            limit=f"{GRID_MAX_CELLS:,}")), err=True)
    if not p.reporting_units:
        click.echo(lab.fmt("cli.warning", message=lab["cli.generate_no_units"]), err=True)
    lonely = p.collectives_without_members
    if lonely:
        click.echo(lab.fmt("cli.warning", message=lab.fmt("cli.generate_collectives_no_members", count=len(lonely),
                                                          units="、".join(u.name for u in lonely))), err=True)
    click.echo(lab.fmt("cli.generate_done", master=result.master or "-", returns=len(result.returns),
                       folder=out_dir / "returns", seconds=result.seconds))
    if result.secret_created is not None:
        click.echo(lab.fmt("cli.generate_secret_created", path=result.secret_created), err=True)



def _progress(label: str):
    """A one-line progress display on a terminal; silent when stderr is not a terminal."""
    show = sys.stderr.isatty()

    def progress(n: int, total: int, name: str) -> None:
        if show:
            click.echo(f"\r{label} {n}/{total} {name[:40]:<40}", nl=(n == total), err=True)

    return progress


def _read_for_plan(paths: tuple[Path, ...], plan_ref: Optional[str], period_text: Optional[str],
                   command: str = "validate", outputs: tuple = ()):
    """Collect and read the inputs; choose the plan (given, else the returns' own) and the period.

    `outputs` (files.OutputTarget): refused before anything is read when one is an input, inside
    a scanned folder (feedback), or not a regular file.

    When no period can be told and no file is readable as a workbook, the files' own problems
    (FILE_NOT_XLSX, FILE_EMPTY …) are what the user needs to hear: they are printed and the command
    ends (validate: exit 1, problems found; merge: exit 2, nothing could be done)."""
    from .files import check_output_target, check_outputs_apart
    from .merge import NoInputError, collect_inputs, find_plan, infer_period, input_folders, own_summary, scan_inputs

    lab = _labels()
    inputs = collect_inputs(paths)
    if not inputs:
        raise NoInputError("INPUT_NONE", paths=", ".join(str(p) for p in paths))
    check_outputs_apart(outputs, [i.path for i in inputs], input_folders(paths), replaceable=own_summary)
    for out in outputs:
        if not out.folder:
            check_output_target(out.path)
    # Only the identity of each file now (for the plan and period); check_files reads each fully.
    files = scan_inputs(inputs, lab, need_meta=plan_ref is None or not period_text)
    p = _load(plan_ref) if plan_ref is not None else find_plan(files, paths)
    if period_text:
        per = _period(p, period_text)
    else:
        per = infer_period(files, p)
        if per is None:
            _unreadable_files_or_fail(files, lab, command)
    return p, per, files


def _secrets(paths: tuple[Path, ...], secret_file: Optional[Path], to_stderr: bool) -> tuple[bytes, ...]:
    """The office secrets for identity tokens; when there is none, one coded warning for the run."""
    from .identity import find_secrets, secret_candidates

    found, _where = find_secrets(paths, secret_file)
    if not found:
        lab = _labels()
        places = "、".join(str(p) for p in secret_candidates(paths))
        click.echo(f"{lab['severity.warning']} META_TOKEN_UNCHECKED "
                   + lab.fmt("problems.META_TOKEN_UNCHECKED", places=places), err=to_stderr)
    return tuple(found)


def _unreadable_files_or_fail(files, lab, command: str) -> None:
    """No period: report the files that are not workbooks at all, else ask for --period."""
    from .validation import file_failure, lock_file

    failed = [f for f in files if f.failure is not None or f.input.is_lock_file]
    if not failed or len(failed) < len(files):
        raise _fail(lab["cli_merge.no_period"])
    errors = 0
    for f in failed:
        r = (lock_file(str(f.input.path), f.input.display, lab) if f.input.is_lock_file
             else file_failure(str(f.input.path), f.input.display, f.failure, lab))
        errors += r.errors
        for problem in r.problems:
            click.echo(f"{lab['severity.' + problem.severity.value]} {problem.code} {problem.message(lab)}",
                       err=command == "merge")
    if command == "merge" or not errors:
        raise _fail(lab["cli_merge.no_period"])
    click.echo(lab.fmt("cli_merge.validate_summary", files=len(files), errors=errors, warnings=0))
    raise click.exceptions.Exit(EXIT_PROBLEMS)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@click.option("--plan", "plan_ref", metavar="PLAN")
@click.option("--period", metavar="PERIOD")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--feedback", "feedback_dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--on-duplicate", type=click.Choice(["error", "newest"]), default="error", show_default=True)
@click.option("--jobs", "jobs", default="auto", show_default=True, metavar="N", callback=_jobs)
@click.option("--secret", "secret_file", type=click.Path(dir_okay=False, path_type=Path, readable=False),
              default=None, envvar="XLTOOL_SECRET")
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None, envvar="XLTOOL_DB")
@click.option("--no-db", "no_db", is_flag=True)
@handle_errors
def merge(paths: tuple[Path, ...], plan_ref: Optional[str], period: Optional[str], out_path: Optional[Path],
          json_path: Optional[Path], feedback_dir: Optional[Path], report_path: Optional[Path], on_duplicate: str,
          jobs: Optional[int], secret_file: Optional[Path], db: Optional[Path], no_db: bool) -> None:
    """Check every return in PATHS (files or folders) and build the consolidated summary.

    Exit code 0: no errors; 1: problems were found (the summary is still written from everything
    valid); 2: nothing could be done.
    """
    import time

    from .merge import (FeedbackOutput, JsonOutput, MergeOptions, MergeRequest, SummaryOutput,
                        default_summary_path, merge as run)

    from .files import OutputTarget, check_output_target, check_outputs_apart

    started = time.perf_counter()
    lab = _labels()
    db_path = None
    if not no_db:  # a database that cannot be recorded into is refused before any work (exit 2)
        from .history import check_history, database_path

        db_path = database_path(db)
        check_history(db_path)
    targets = [OutputTarget(path, option, folder) for path, option, folder in (
        (out_path, "--out", False), (json_path, "--json", False), (feedback_dir, "--feedback", True),
        (db_path, "--db", False), (report_path, "--report", False)) if path is not None]
    p, per, files = _read_for_plan(paths, plan_ref, period, command="merge", outputs=tuple(targets))
    out = out_path or default_summary_path(p, per, lab)
    if out_path is None:  # the default summary path is known only now: the same checks
        from .merge import own_summary

        check_outputs_apart([OutputTarget(out, "--out"), *targets], [f.input.path for f in files],
                            replaceable=own_summary)
        check_output_target(out)
    secrets = _secrets(paths, secret_file, to_stderr=True)
    earlier = None
    if db_path is not None:  # earlier periods of the plan: 趋势/变化 sheets, VALUE_UNCHANGED
        from .history import earlier_periods

        earlier = earlier_periods(db_path, p.id, per.start.isoformat())
    outputs = [SummaryOutput(out, earlier=earlier)]
    if json_path is not None:
        outputs.append(JsonOutput(json_path))
    if feedback_dir is not None:
        outputs.append(FeedbackOutput(feedback_dir))
    if report_path is not None:
        from .merge import ReportOutput

        outputs.append(ReportOutput(report_path, earlier=earlier))
    if db_path is not None:  # last: it holds the database's write lock until the files are committed
        from .merge import HistoryOutput

        outputs.append(HistoryOutput(db_path, on_duplicate=on_duplicate))
    request = MergeRequest(p, per, files, MergeOptions(on_duplicate=on_duplicate, jobs=jobs, secrets=secrets,
                                                       earlier=earlier))
    outcome = run(request, outputs, lab, progress=_progress(lab["cli_merge.progress"]))
    c = outcome.consolidation
    for problem in c.problems:
        click.echo(f"{lab['severity.' + problem.severity.value]} {problem.code} {problem.message(lab)}", err=True)
    counts = c.submission_counts()
    missing = [s.unit.name for s in c.submissions if s.status == "missing"]
    if missing:
        click.echo(lab.fmt("cli_merge.missing_units", units="、".join(missing)), err=True)
    if json_path is not None:
        click.echo(lab.fmt("cli_merge.json_written", path=json_path))
    if feedback_dir is not None:
        click.echo(lab.fmt("cli_merge.feedback_written", count=len(outcome.paths("feedback")), folder=feedback_dir))
        for file, reason in outcome.feedback_skipped:
            click.echo(lab.fmt("cli.warning", message=lab.fmt("cli_merge.feedback_skipped", file=file,
                                                               reason=reason)), err=True)
    if report_path is not None:
        click.echo(lab.fmt("report.written", path=report_path))
    if db_path is not None:
        click.echo(lab.fmt("history.recorded", path=db_path, period=per.code))
    click.echo(lab.fmt("cli_merge.done", files=len(files), expected=len(c.submissions), **counts,
                       errors=c.errors, warnings=c.warnings, summary=out,
                       seconds=time.perf_counter() - started))
    raise click.exceptions.Exit(EXIT_PROBLEMS if c.errors else EXIT_OK)


def _reply_by(ctx, param, text: Optional[str]):
    """--reply-by: an ISO date (checked before any work starts)."""
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise click.BadParameter(_labels().fmt("report.reply_by_invalid", value=text), param_hint="--reply-by") from None


@main.command("report")
@click.argument("returns", nargs=-1, required=False, type=click.Path(path_type=Path, readable=False))
@click.option("--plan", "plan_ref", metavar="PLAN")
@click.option("--period", metavar="PERIOD")
@click.option("-o", "--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--pdf", is_flag=True)
@click.option("--notices", "notices_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--reply-by", "reply_by", metavar="DATE", default=None, callback=_reply_by)
@click.option("--chase", type=click.Choice(["red", "yellow"]), default="red", show_default=True)
@click.option("--templates", "templates_dir", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              default=None)
@click.option("--on-duplicate", type=click.Choice(["error", "newest"]), default="error", show_default=True)
@click.option("--jobs", "jobs", default="auto", show_default=True, metavar="N", callback=_jobs)
@click.option("--secret", "secret_file", type=click.Path(dir_okay=False, path_type=Path, readable=False),
              default=None, envvar="XLTOOL_SECRET")
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None, envvar="XLTOOL_DB")
@handle_errors
def report_command(returns: tuple[Path, ...], plan_ref: Optional[str], period: Optional[str], out_path: Optional[Path],
                   pdf: bool, notices_dir: Optional[Path], reply_by, chase: str, templates_dir: Optional[Path],
                   on_duplicate: str, jobs: Optional[int], secret_file: Optional[Path], db: Optional[Path]) -> None:
    """Write the period's report (.docx, optionally .pdf) and 督办通知单: from the returns in
    RETURNS (merged as by merge), or without RETURNS from the history database alone (the period
    recorded by merge --db; the latest unless --period).

    Exit code 0: no errors; 1: problems in the returns (the report is still written from everything
    valid); 2: nothing could be done (no LibreOffice for --pdf: the .docx is written).
    """
    import time

    from .files import OutputTarget
    from .merge import MergeOptions, MergeRequest, ReportOutput, merge as run
    from .problems import XltoolError

    started = time.perf_counter()
    lab = _labels()
    targets = [OutputTarget(path, option, folder) for path, option, folder in (
        (out_path, "--out", False), (notices_dir, "--notices", True)) if path is not None]
    if not returns:
        _report_from_history(db, plan_ref, period, out_path, pdf, targets,
                             dict(notices=notices_dir, reply_by=reply_by, templates=templates_dir, chase=chase))
        return
    p, per, files = _read_for_plan(returns, plan_ref, period, command="merge", outputs=tuple(targets))
    out = _report_targets(p, per, out_path, pdf, targets, [f.input.path for f in files])
    secrets = _secrets(returns, secret_file, to_stderr=True)
    from .history import HistoryError, database_path, earlier_periods

    try:  # read only: the chart over time; the default database is optional here
        earlier = earlier_periods(database_path(db), p.id, per.start.isoformat())
    except HistoryError:
        if db is not None:
            raise
        earlier = None
    output = ReportOutput(out, pdf=pdf, notices=notices_dir, reply_by=reply_by, templates=templates_dir,
                          earlier=earlier, chase=chase)
    request = MergeRequest(p, per, files, MergeOptions(on_duplicate=on_duplicate, jobs=jobs, secrets=secrets))
    outcome = run(request, [output], lab, progress=_progress(lab["cli_merge.progress"]))
    c = outcome.consolidation
    for problem in c.problems:
        click.echo(f"{lab['severity.' + problem.severity.value]} {problem.code} {problem.message(lab)}", err=True)
    _report_written(output, outcome, notices_dir)
    counts = c.submission_counts()
    click.echo(lab.fmt("report.done", files=len(files), expected=len(c.submissions), **counts, errors=c.errors,
                       warnings=c.warnings, seconds=time.perf_counter() - started))
    if output.pdf_missing:
        raise XltoolError("REPORT_NO_OFFICE", path=out)
    raise click.exceptions.Exit(EXIT_PROBLEMS if c.errors else EXIT_OK)


def _report_targets(plan, period, out_path: Optional[Path], pdf: bool, targets: list, inputs: list) -> Path:
    """The report's path (--out, else the default one), every output checked against the inputs
    and each other before any work starts."""
    from .files import OutputTarget, check_output_target, check_outputs_apart
    from .merge import default_report_path, own_summary

    out = out_path or default_report_path(plan, period, _labels())
    known = [OutputTarget(out, "--out"), *[t for t in targets if t.option != "--out"]]
    if pdf:
        known.append(OutputTarget(out.with_suffix(".pdf"), "--pdf"))
    check_outputs_apart(known, inputs, replaceable=own_summary)
    for target in known:
        if not target.folder:
            check_output_target(target.path)
    return out


def _report_written(output, outcome, notices_dir: Optional[Path]) -> None:
    lab = _labels()
    click.echo(lab.fmt("report.written", path=output.path))
    if output.pdf_path in outcome.paths("report"):
        click.echo(lab.fmt("report.pdf_written", path=output.pdf_path))
    if notices_dir is not None:
        written = [q for q in outcome.paths("report") if q.parent == notices_dir]
        click.echo(lab.fmt("report.notices_written", count=len(written), folder=notices_dir))


def _report_from_history(db: Optional[Path], plan_ref: Optional[str], period_text: Optional[str],
                         out_path: Optional[Path], pdf: bool, targets: list, options: dict) -> None:
    """`report` without returns: the period as the history database recorded it (recorded.restore),
    the same numbers and lights as its merge's summary and JSON."""
    import datetime as dt

    from . import history as store
    from .merge import MergeResult, ReportOutput, publish
    from .problems import XltoolError

    lab = _labels()
    path, recorded = _recorded_period(db, plan_ref, period_text)
    c = recorded.consolidation
    out = _report_targets(c.plan, c.period, out_path, pdf, targets, [path])
    earlier = store.earlier_periods(path, c.plan.id, c.period.start.isoformat())
    output = ReportOutput(out, pdf=pdf, earlier=earlier, lights=recorded.lights, **options)
    stamp = dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")
    outcome = publish(MergeResult(consolidation=c, generated_at=stamp), [output], lab)
    click.echo(lab.fmt("report.from_history", db=path, plan=c.plan.id, period=lab.period(c.period),
                       merged_at=recorded.merged_at))
    _report_written(output, outcome, options["notices"])
    counts = c.submission_counts()
    click.echo(lab.fmt("report.done_recorded", expected=len(c.submissions), **counts, errors=c.errors,
                       warnings=c.warnings))
    if output.pdf_missing:
        raise XltoolError("REPORT_NO_OFFICE", path=out)


@main.command()
@click.argument("returns", nargs=-1, required=True, type=click.Path(path_type=Path, readable=False))
@click.option("--plan", "plan_ref", metavar="PLAN")
@click.option("--period", metavar="PERIOD")
@click.option("--strict", is_flag=True)
@click.option("--secret", "secret_file", type=click.Path(dir_okay=False, path_type=Path, readable=False),
              default=None, envvar="XLTOOL_SECRET")
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None, envvar="XLTOOL_DB")
@handle_errors
def validate(returns: tuple[Path, ...], plan_ref: Optional[str], period: Optional[str], strict: bool,
             secret_file: Optional[Path], db: Optional[Path]) -> None:
    """Check filled returns before sending them: prints every problem with its cell.

    Exit code 0: no errors (warnings allowed unless --strict); 1: problems; 2: nothing could be checked.
    """
    from .merge import check_files

    lab = _labels()
    p, per, files = _read_for_plan(returns, plan_ref, period)
    secrets = _secrets(returns, secret_file, to_stderr=False)  # not counted by --strict: a run-level note
    from .history import HistoryError, database_path, earlier_periods

    try:  # VALUE_UNCHANGED needs last period's answers; a department's validate works without them
        earlier = earlier_periods(database_path(db), p.id, per.start.isoformat())
    except HistoryError:
        earlier = None
    results = check_files(files, p, per, lab, progress=_progress(lab["cli_merge.progress"]), secrets=secrets,
                          previous=(earlier or {}).get("last_answers"))
    errors = warnings = 0
    for r in results:
        for problem in r.problems:
            click.echo(f"{lab['severity.' + problem.severity.value]} {problem.code} {problem.message(lab)}")
        errors += r.errors
        warnings += r.warnings
        if not r.problems:
            click.echo(lab.fmt("cli_merge.validate_ok", file=r.file, unit=r.unit.name if r.unit else "-",
                               period=lab.period(per)))
    click.echo(lab.fmt("cli_merge.validate_summary", files=len(results), errors=errors, warnings=warnings))
    raise click.exceptions.Exit(EXIT_PROBLEMS if errors or (strict and warnings) else EXIT_OK)


@main.command("status")
@click.argument("paths", nargs=-1, required=False, type=click.Path(path_type=Path, readable=False))
@click.option("--plan", "plan_ref", metavar="PLAN")
@click.option("--period", metavar="PERIOD")
@click.option("--due", "due_text", metavar="DATE", default=None)
@click.option("--reply-by", "reply_text", metavar="DATE", default=None)
@click.option("-o", "--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--secret", "secret_file", type=click.Path(dir_okay=False, path_type=Path, readable=False),
              default=None, envvar="XLTOOL_SECRET")
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None, envvar="XLTOOL_DB")
@handle_errors
def status(paths: tuple[Path, ...], plan_ref: Optional[str], period: Optional[str], due_text: Optional[str],
           reply_text: Optional[str], out_path: Optional[Path], secret_file: Optional[Path],
           db: Optional[Path]) -> None:
    """Every unit: submitted or not, on time or late, accepted or returned, its contact; and the
    催办名单 with a message to send each unit that needs chasing. Exit code 0 (nobody to chase) or 1."""
    import datetime as dt

    from .chase import chase_rows
    from .consolidation import consolidate
    from .files import OutputTarget, atomic_path
    from .merge import check_files
    from .writing.chase import write_chase_list

    lab = _labels()
    if not paths:  # from the history database: the recorded period (latest unless --period)
        c = _recorded_period(db, plan_ref, period)[1].consolidation
        p, per = c.plan, c.period
        due = _date_option(due_text, "--due") or p.due_date(per)
        rows = chase_rows(c, due)
    else:
        targets = (OutputTarget(out_path, "--out"),) if out_path is not None else ()
        p, per, files = _read_for_plan(paths, plan_ref, period, command="merge", outputs=targets)
        due = _date_option(due_text, "--due") or p.due_date(per)
        secrets = _secrets(paths, secret_file, to_stderr=True)
        c = consolidate(p, per, check_files(files, p, per, lab, secrets=secrets))
        rows = chase_rows(c, due)
    reply_by = _date_option(reply_text, "--reply-by") or max(dt.date.today(), due) + dt.timedelta(days=5)
    for r in rows:
        click.echo(lab.fmt("chase.line", unit=r.unit, submission=lab[f"submission.{r.submission}"],
                           timeliness=lab[f"chase.timeliness.{r.timeliness}"], contact=r.contact or "-",
                           phone=r.phone, asks="；".join(lab[f"chase.ask.{a}"] for a in r.asks) or "-"))
    from .files import labelled_stem

    out = out_path or Path("generated") / (labelled_stem(lab, "chase_list", plan=p.id, period=per.code) + ".xlsx")
    with atomic_path(out) as tmp:
        write_chase_list(tmp, rows, lab, p.title, lab.period(per), due.isoformat(), reply_by.isoformat())
    count = sum(1 for r in rows if r.needs_chasing)
    click.echo(lab.fmt("chase.done", total=len(rows), count=count, due=due.isoformat(), path=out))
    raise click.exceptions.Exit(EXIT_PROBLEMS if count else EXIT_OK)


def _recorded_period(db: Optional[Path], plan_ref: Optional[str], period_text: Optional[str]):
    """(database path, recorded.RecordedPeriod) of a period recorded in the history database: of the
    plan --plan names (default: the plan merged most recently), the period --period names
    (default: its latest). DB_PERIOD_UNKNOWN when there is no such record."""
    import json

    from . import history as store
    from .plans import plan_from_data
    from .recorded import RecordError, restore

    path = store.database_path(db)
    code = _parse_period(period_text).code if period_text else None
    with store.reading(path) as conn:
        plan_id = _history_plan(conn, plan_ref) if plan_ref else store.latest_plan(conn)
        code = code or (store.latest_period(conn, plan_id) if plan_id else None)
        record = store.period_record(conn, plan_id, code) if plan_id and code else None
    if record is None:
        raise store.HistoryError("DB_PERIOD_UNKNOWN", path=path, plan=plan_id or "-", period=code or "-")
    try:
        plan = plan_from_data(json.loads(record["merge"]["plan_json"]), str(path))
        return path, restore(plan, record)
    except RecordError as exc:  # a record changed by hand: it no longer fits its plan
        raise store.HistoryError("DB_CORRUPT", path=path, reason=exc.detail) from None


def _date_option(text: Optional[str], option: str):
    import datetime as dt

    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(_labels().fmt("errors.DATE_INVALID", value=text), param_hint=option) from None


@main.command("history")
@click.argument("item_id", metavar="[ITEM_ID]", required=False)
@click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), default=None, envvar="XLTOOL_DB")
@click.option("--plan", "plan_ref", metavar="PLAN", default=None)
@click.option("--unit", "unit", metavar="NAME", default=None)
@click.option("--json", "as_json", is_flag=True)
@click.option("--evaluate", "evaluate", is_flag=True)
@handle_errors
def history(item_id: Optional[str], db: Optional[Path], plan_ref: Optional[str], unit: Optional[str],
            as_json: bool, evaluate: bool) -> None:
    """The periods recorded in the history database; ITEM_ID: one task, indicator or target over the
    periods; --unit: one unit's submissions over the periods."""
    import json

    from . import history as store

    lab = _labels()
    path = store.database_path(db)
    if item_id and unit:
        raise click.UsageError(lab["history.item_or_unit"])
    if evaluate:
        return _evaluate(store, path, plan_ref, as_json, lab)
    with store.reading(path) as conn:
        plan_id = _history_plan(conn, plan_ref) if plan_ref else None
        if item_id:
            rows = store.item_series(conn, item_id, plan_id)
            if not rows:
                raise store.HistoryError("DB_ITEM_UNKNOWN", path=path, item=item_id)
            data = {"item": item_id, "kind": rows[0]["kind"], "periods": rows}
        elif unit:
            rows = store.unit_series(conn, unit, plan_id)
            if not rows:
                raise store.HistoryError("DB_UNIT_UNKNOWN", path=path, unit=unit)
            data = {"unit": rows[0]["unit"], "periods": rows}
        else:
            data = {"database": str(path), "periods": store.periods(conn, plan_id)}
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    elif item_id:
        _show_item(data, lab)
    elif unit:
        _show_unit(data, lab)
    else:
        _show_periods(data, lab)


def _evaluate(store, path: Path, plan_ref: Optional[str], as_json: bool, lab) -> None:
    """history --evaluate: the plan's indicators over the recorded years, in the mid-term review's groups."""
    import json
    from dataclasses import asdict

    from .evaluation import evaluate
    from .plans import plan_from_data

    with store.reading(path) as conn:
        plan_id = _history_plan(conn, plan_ref) if plan_ref else store.latest_plan(conn)
        text = store.plan_json(conn, plan_id) if plan_id else None
        if text is None:
            raise store.HistoryError("DB_NO_YEAR_END", path=path, plan=plan_id or "-")
        results = store.year_end_results(conn, plan_id)
    if not results:
        raise store.HistoryError("DB_NO_YEAR_END", path=path, plan=plan_id)
    plan = plan_from_data(json.loads(text), str(path))
    rows = evaluate(plan, results)
    years = sorted({y for r in rows for y in r.years})
    if as_json:
        click.echo(json.dumps({"plan": plan.id, "years": years, "indicators": [
            {**asdict(r), "years": {str(y): v for y, v in r.years.items()},
             "group_label": lab[f"evaluation.group.{r.group}"]} for r in rows]}, ensure_ascii=False, indent=2))
        return
    click.echo(lab.fmt("evaluation.title", plan=plan.title, years="、".join(map(str, years))))
    for r in rows:
        values = "  ".join(lab.fmt("evaluation.year_value", year=y, value="-" if r.years.get(y) is None
                                   else f"{r.years[y]:g}") for y in years)
        rate = lab.fmt("evaluation.average_rate", value=f"{r.average_rate:.2f}") if r.average_rate is not None else ""
        click.echo(lab.fmt("evaluation.line", id=r.indicator_id, name=r.name, kind=lab[f"indicator_kind.{r.kind}"],
                           target=r.target, values=values, rate=rate, group=lab[f"evaluation.group.{r.group}"]))


def _history_plan(conn, plan_ref: str) -> str:
    """--plan: a plan id recorded in the database, else a plan file or bundled plan (its id)."""
    from . import history as store

    if plan_ref in store.plan_ids(conn):
        return plan_ref
    return _load(plan_ref).id


def _table(headers: list[str], rows: list[list]) -> list[str]:
    """Rows as aligned text columns (CJK characters count two columns)."""
    from .clickzh import display_width

    cells = [[("" if v is None else str(v)) for v in row] for row in [headers, *rows]]
    widths = [max(display_width(r[n]) for r in cells) for n in range(len(headers))]
    return ["  ".join(v + " " * (w - display_width(v)) for v, w in zip(r, widths)).rstrip() for r in cells]


def _num(value) -> str:
    if value is None:
        return "-"
    return f"{value:g}" if isinstance(value, float) else str(value)


STATUS_ORDER = ("not_started", "on_track", "done", "lagging")  # as the label file lists them


def _counts(counts: dict, prefix: str, lab) -> str:
    """Counts by key in the vocabulary's own order (task statuses, assessments), zeros left out."""
    from .assessment import Assessment

    keys = STATUS_ORDER if prefix == "status." else tuple(a.value for a in Assessment)
    order = {k: n for n, k in enumerate([*keys, "none"])}
    return "、".join(f"{lab[prefix + k] if k != 'none' else lab['history.no_status']} {n}"
                    for k, n in sorted(counts.items(), key=lambda kv: order.get(kv[0], len(order))) if n) or "-"


def _show_periods(data: dict, lab) -> None:
    rows = data["periods"]
    if not rows:
        click.echo(lab.fmt("history.empty", path=data["database"]))
        return
    h = lab["history.columns"]
    table = []
    for r in rows:
        s = r["submissions"]
        table.append([r["plan_id"], r["period"], r["merged_at"], r["units"], r["submitted"], r["accepted"],
                      s.get("rejected", 0) + s.get("duplicate", 0), s.get("missing", 0) + s.get("empty", 0),
                      r["errors"], _counts(r["tasks"], "status.", lab),
                      _counts(r["indicators"], "assessment.", lab), _counts(r["targets"], "assessment.", lab)])
    click.echo(lab.fmt("history.periods_title", path=data["database"], count=len(rows)))
    for line in _table([h[k] for k in ("plan", "period", "merged_at", "units", "submitted", "accepted",
                                       "returned", "missing", "errors", "tasks", "indicators", "targets")], table):
        click.echo(line)


def _show_item(data: dict, lab) -> None:
    h = lab["history.columns"]
    task = data["kind"] == "task"
    table = []
    for r in data["periods"]:
        flag = lab["history.disagreement"] if r["disagreement"] else ""
        if r.get("light") and r["light"] != "none":
            flag = " ".join(x for x in (lab[f"lights.{r['light']}"], flag) if x)
        if task:
            table.append([r["period"], lab["history.consolidated"], "",
                          lab[f"status.{r['status']}"] if r["status"] else "-", _num(r["progress"]), flag])
        else:
            assessed = lab[f"assessment.{r['assessment']}"] if r["assessment"] else "-"
            table.append([r["period"], lab["history.consolidated"], "", _num(r["value"]),
                          f"{assessed} {flag}".strip(), _num(r["expected"])])
        for a in r["reports"]:
            role = lab.get(f"role.{a['role']}", a["role"])
            if task:
                table.append(["", a["unit"], role, lab[f"status.{a['status']}"] if a["status"] else "-",
                              _num(a["progress"]), ""])
            else:
                table.append(["", a["unit"], role, _num(a["value"]), "", ""])
    click.echo(lab.fmt("history.item_title", item=data["item"], kind=lab[f"history.kinds.{data['kind']}"],
                       count=len(data["periods"])))
    cols = ("period", "unit", "role", "status", "progress", "flag") if task else (
        "period", "unit", "role", "value", "assessment", "expected")
    for line in _table([h[k] for k in cols], table):
        click.echo(line)


def _show_unit(data: dict, lab) -> None:
    h = lab["history.columns"]
    table = [[r["plan_id"], r["period"], lab[f"submission.{r['status']}"], r["file"] or "-", r["errors"],
              r["warnings"]] for r in data["periods"]]
    click.echo(lab.fmt("history.unit_title", unit=data["unit"], count=len(table)))
    for line in _table([h[k] for k in ("plan", "period", "submission", "file", "errors", "warnings")], table):
        click.echo(line)


@main.command("parse")
@click.argument("doc", type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--id", "plan_id", default=None)
@click.option("--sheet", default=None)
@handle_errors
def parse_command(doc: Path, out_path: Optional[Path], plan_id: Optional[str], sheet: Optional[str]) -> None:
    """Read a plan document (.txt in UTF-8/GB18030, .docx, .xlsx/.csv, .html, .pdf) and write a plan file.

    Warnings (with line numbers) and unit-merge suggestions go to standard error. Exit code 0: written
    (warnings allowed); 2: unreadable file, unknown encoding, or no indicator and no task found.
    """
    from .parsing import parse_lines, plan_yaml, read_document
    from .parsing.warnings import ParseInputError

    lab = _labels()
    try:
        lines, _encoding = read_document(doc, sheet=sheet)
    except ParseInputError as exc:
        raise _fail(f"{exc.code} {exc.message(lab)}") from None
    result = parse_lines(lines, source_name=doc.name, plan_id=plan_id)
    for w in result.warnings:
        click.echo(f"{lab['parse.warning_prefix']} {w.code} {w.message(lab)}", err=True)
    for s in result.suggestions:
        click.echo(f"{lab['parse.suggestion_prefix']} " + lab.fmt("parse.suggestion.line", a=s.a, b=s.b,
                                                                   reason=lab[f"parse.suggestion.{s.reason}"]), err=True)
    if not result.is_plan:
        raise _fail("NOT_A_PLAN " + lab.fmt("parse.error.NOT_A_PLAN", path=doc))
    text = plan_yaml(result.data)
    if out_path is None:
        click.echo(text, nl=False)
        return
    from .files import atomic_path

    with atomic_path(out_path) as tmp:
        Path(tmp).write_text(text, encoding="utf-8")
    p = result.plan
    click.echo(lab.fmt("parse.done", path=out_path, indicators=len(p.indicators), chapters=len(p.chapters),
                       tasks=len(p.tasks), targets=len(p.indicators) + sum(len(t.targets) for t in p.tasks),
                       units=len(p.units), warnings=len(result.warnings), suggestions=len(result.suggestions)),
               err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
