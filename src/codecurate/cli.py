"""The ``codecurate`` command: run, validate and report on recipes; relocate an output folder."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence


def _recipe_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipe", help="path of the recipe YAML file")
    parser.add_argument(
        "--input",
        metavar="PATH",
        help="replace the recipe's code input: a folder of repositories, The Stack-style parquet (a file or a "
        "folder of them), a Hugging Face dataset folder written by save_to_disk, or an fsspec URL of one (s3://...)",
    )
    parser.add_argument("--output", metavar="DIR", help="output folder (replaces the recipe's 'output')")
    parser.add_argument(
        "--set",
        dest="overrides",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="override a recipe value by dotted key, e.g. executor.tasks=4 or stages.group.params.buckets=8 "
        "(value parsed as YAML; repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="codecurate",
        description="Curate source-code repositories and text into training data for code LLMs.",
    )
    from codecurate import __version__

    parser.add_argument("--version", action="version", version=f"codecurate {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a recipe", description="Validate a recipe, then run it.")
    _recipe_arguments(run)
    run.add_argument(
        "--overwrite",
        action="store_true",
        help="delete the output folder first (default: resume the same recipe; rerun a changed one from its first "
        "changed stage)",
    )
    kept = run.add_mutually_exclusive_group()
    kept.add_argument("--keep-intermediate", action="store_true", default=None,
                      help="keep all of OUTPUT/intermediate and OUTPUT/work after a complete run (raw, unredacted "
                           "text between passes; by default only what a rerun of a changed recipe needs is kept)")
    kept.add_argument("--no-keep-intermediate", dest="keep_intermediate", action="store_false",
                      help="remove OUTPUT/intermediate and OUTPUT/work after a complete run: less disk, but a "
                           "changed recipe then reruns from an earlier segment, often the first")
    run.add_argument("--strict", action="store_true",
                     help="exit with status 4 when the run ends with warnings (the summary's warnings block)")
    run.add_argument("--verbose", action="store_true",
                     help="show datatrove's logs on the console too (always in OUTPUT/logs/console.log)")

    validate = commands.add_parser(
        "validate", help="check a recipe without running it", description="Check a recipe and print its plan."
    )
    _recipe_arguments(validate)

    report = commands.add_parser(
        "report", help="summarise a run's output",
        description="Per stage: documents and bytes in, kept, dropped; writes OUTPUT/report/ (Markdown, JSON, PNG)."
    )
    report.add_argument("output", help="output folder of a run")
    report.add_argument("--json", action="store_true", help="print the summary as JSON")
    report.add_argument("--no-plots", action="store_true", help="write report.md and report.json without PNG plots")
    report.add_argument("--raw-samples", action="store_true",
                        help="report/index.html shows sampled texts as the run read them, not redacted")

    relocate = commands.add_parser(
        "relocate", help="make a moved output folder name its new place",
        description="Rewrite the absolute paths of an output's shards metadata and training files (tokenizer, "
        "dataset folders, checkpoints, sbatch config) from the root they were written under to NEW_ROOT, then, "
        "when NEW_ROOT is where OUTPUT is, check the config as nanotron loads it and as its trainer checks it."
    )
    relocate.add_argument("output", help="the output folder, where it is now")
    relocate.add_argument("new_root", nargs="?", help="where the folder is or will be (default: OUTPUT itself)")

    remove = commands.add_parser(
        "remove", help="rewrite a finished output without the files an opt-out list names",
        description="Remove from OUTPUT's documents, exclusions, parquet outputs and shards (only the shard buckets "
        "holding them are rebuilt) every file an opt-out list names; the tokenizer is not touched. The report goes "
        "to OUTPUT/removals/. Exit code 3 when the list names nothing present."
    )
    remove.add_argument("output", help="output folder of a finished run")
    remove.add_argument("--opt-out", required=True, metavar="FILE", help="the opt-out list (docs/compliance.md)")

    blocks = commands.add_parser("blocks", help="list the registered blocks", description="List registered blocks.")
    blocks.add_argument("--kind", choices=["reader", "step", "multi_stage"], help="only blocks of this kind")
    blocks.add_argument("--paths", action="store_true",
                        help="show each block's import path (package.module:Class), what a recipe or a script imports")
    return parser


def _load(args: argparse.Namespace):
    from codecurate.recipe.schema import load_recipe

    return load_recipe(args.recipe, overrides=args.overrides, output=args.output, input_path=args.input)


def _failure(error: BaseException, output: str) -> str:
    """The lines for a run that failed outside its tasks; the traceback goes to ``OUTPUT/logs/error.log``
    (when it can be written)."""
    import traceback

    from codecurate.core.folders import Location, datafolder
    from codecurate.recipe.errors import describe

    log: str | None = Location(output) / "logs" / "error.log"
    try:
        with datafolder(Location(output) / "logs").open("error.log", "a", encoding="utf-8") as file:
            file.write("".join(traceback.format_exception(error)))
    except (OSError, NotImplementedError, ValueError):  # an object store appends to no file
        log = None
    return describe(error, log)


def _failures(output: str, summary: dict) -> list:
    """The ``TaskError`` each unfinished segment's failed tasks recorded (on any executor: a Slurm job or a
    Ray task tells its error only there), first failed task first."""
    from codecurate.core.folders import Location, datafolder
    from codecurate.recipe.errors import segment_failure

    unfinished = [s["name"] for s in summary["segments"] if s["completed"] < (s["tasks"] or 1)]
    return [failure for name in unfinished
            if (failure := segment_failure(datafolder(Location(output) / "logs" / name))) is not None]


def _kept_scratch(sizes: dict[str, int], everything: bool) -> str:
    """The line saying what a complete run kept of its passes' folders, and how large it is."""
    from codecurate.recipe.summary import human_size

    listed = ", ".join(f"{name}/ {human_size(size)}" for name, size in sizes.items())
    if everything:
        return f"kept {listed} (--keep-intermediate: every pass's files, raw text before PII redaction)"
    return (f"kept for reruns: {listed} (what a changed recipe reruns from, raw text before PII redaction; "
            "--no-keep-intermediate removes it; docs/recipes.md)")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code (2 for an invalid recipe, 1 for a failed run, 4 for a
    run with warnings under ``--strict``)."""
    args = build_parser().parse_args(argv)
    from codecurate.recipe.errors import TaskError
    from codecurate.recipe.local import WorkerLostError
    from codecurate.recipe.lock import OutputLockedError
    from codecurate.recipe.run import OutputInUseError
    from codecurate.recipe.schema import RecipeError

    try:
        if args.command == "validate":
            from codecurate.recipe.plan import build_plan

            recipe = _load(args)
            plan = build_plan(recipe)
            print(f"{recipe.source}: valid recipe {recipe.name!r}, output {recipe.output}")
            for segment in plan.segments:
                tasks = segment.tasks or recipe.executor.get("tasks", 1)
                print(f"  segment {segment.name} ({tasks} tasks)")
                for step, stage_id in zip(segment.steps, segment.stage_ids):
                    print(f"    {stage_id or '(engine)':<24} {step}")
            if recipe.executor["type"] == "slurm":
                from codecurate.recipe.executors import make_executors
                from codecurate.recipe.slurm import describe_submission

                print("Slurm submission (one job group per segment; nothing is submitted by validate):")
                print("\n".join(describe_submission(make_executors(recipe, plan))))
            from codecurate.recipe.summary import block_warnings

            for warning in block_warnings([(s.stage_id, s.block, s.params) for s in [*recipe.inputs, *recipe.stages]],
                                          None):
                print(f"warning: {warning['stage']}: {warning['message']}")
            return 0
        if args.command == "run":
            from importlib.util import find_spec

            from codecurate.recipe.report import write_report
            from codecurate.recipe.report_page import write_page
            from codecurate.recipe.run import run_recipe
            from codecurate.recipe.summary import format_summary

            recipe = _load(args)
            try:
                summary = run_recipe(recipe, overwrite=args.overwrite, console=True, verbose=args.verbose,
                                     keep_intermediate=args.keep_intermediate)
            except (TaskError, WorkerLostError, RecipeError, OutputInUseError, OutputLockedError, FileNotFoundError):
                raise
            except Exception as error:  # outside the tasks: two lines here, the traceback in a log
                print(f"codecurate: {_failure(error, recipe.output)}", file=sys.stderr)
                return 1
            if summary is not None:
                if summary.get("already_complete"):
                    print(f"{recipe.output} already holds this recipe's complete run: nothing was run "
                          "(--overwrite runs it again)")
                elif summary.get("reused_segments") and not summary.get("rerun"):  # a resumed run
                    print(f"reused {summary['reused_segments']} of {len(summary['segments'])} segments of the run "
                          f"already in {recipe.output}; ran the rest")
                print(format_summary(summary, brief=True))
                if summary.get("kept_for_reruns"):
                    print(_kept_scratch(summary["kept_for_reruns"], bool(args.keep_intermediate)))
                folder = write_report(recipe.output, plots=find_spec("matplotlib") is not None)
                write_page(recipe.output)
                from codecurate.recipe.content import write_training_content

                if (content := write_training_content(recipe.output)) is not None:
                    print(f"training content: {content}")
                print(f"report: {folder / 'report.md'}")  # the last line: where to look next
                if args.strict and summary.get("warnings"):
                    print(f"codecurate: --strict: the run ended with {len(summary['warnings'])} warnings",
                          file=sys.stderr)
                    return 4
            return 0
        if args.command == "report":
            from codecurate.recipe.report import write_report
            from codecurate.recipe.report_page import write_page
            from codecurate.recipe.summary import format_summary, write_summary

            summary = write_summary(args.output)
            folder = write_report(args.output, plots=not args.no_plots)
            write_page(args.output, raw=args.raw_samples)
            from codecurate.recipe.content import write_training_content

            content = write_training_content(args.output)
            print(json.dumps(summary, indent=2) if args.json else format_summary(summary))
            if not args.json:
                if content is not None:
                    print(f"training content: {content}")
                print(f"report: {folder / 'report.md'}")
            for failure in _failures(args.output, summary):
                print(f"codecurate: {failure}", file=sys.stderr)
            return 0 if summary["complete"] else 3
        if args.command == "relocate":
            import os

            from codecurate.training.nanotron_data import validate_training_config
            from codecurate.training.nanotron_mirror import ConfigError
            from codecurate.training.relocate import recorded_root, relocate

            new = os.path.abspath(args.new_root or args.output)
            try:
                old = recorded_root(args.output)
                changed = relocate(args.output, new)
            except ValueError as error:
                print(f"codecurate: {error}", file=sys.stderr)
                return 2
            for path in changed:
                print(f"rewrote {path}")
            print(f"{old} -> {new}")
            config = os.path.join(args.output, "training", "config.yaml")
            if new == os.path.abspath(args.output) and os.path.isfile(config):
                try:
                    validate_training_config(config)
                except ConfigError as error:
                    print(f"codecurate: {config}: {error}", file=sys.stderr)
                    return 2
                print(f"{config}: passes nanotron's loading and pre-training checks (mirrored)")
            return 0
        if args.command == "remove":
            from codecurate.optout import OptOutError
            from codecurate.recipe.remove import RemovalError, format_report, remove

            try:
                report = remove(args.output, args.opt_out)
            except (OptOutError, RemovalError) as error:
                print(f"codecurate: {error}", file=sys.stderr)
                return 2
            print(format_report(report))
            return 0 if report["removed"] else 3
        if args.command == "blocks":
            from codecurate.core.registry import BlockKind, available, block_kind, get_block

            kind = BlockKind(args.kind) if args.kind else None
            for name in available(kind):
                cls = get_block(name)
                doc = (cls.__doc__ or "").strip().splitlines()
                where = f" {cls.__module__}:{cls.__qualname__}" if args.paths else ""
                print(f"{name:<24} {block_kind(cls).value:<12}{where} {doc[0] if doc else ''}")
            return 0
    except RecipeError as error:
        print(error, file=sys.stderr)
        return 2
    except (OutputInUseError, OutputLockedError, FileNotFoundError) as error:
        print(f"codecurate: {error}", file=sys.stderr)
        return 2
    except (WorkerLostError, TaskError) as error:  # a message for a person, not a traceback
        print(f"codecurate: {error}", file=sys.stderr)
        return 1
    return 1


if __name__ == "__main__":
    sys.exit(main())
