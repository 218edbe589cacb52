"""``brightline chat …``: grooming risk in conversations (score, train, eval, purge).

Scores are for people to check, never a verdict: a warning names the messages and
the indicators that raised it, and live warnings go to review.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from brightline.adapters.cli.app import app, console, handle_errors, print_json, services
from brightline.core.text.chat.scoring import WarningRule

if TYPE_CHECKING:
    from brightline.core.text.chat.model import ChatModel

chat_app = typer.Typer(
    help="Grooming risk in conversations: score, train and evaluate (PAN 2012 XML or JSON lines).",
    no_args_is_help=True,
)
app.add_typer(chat_app, name="chat")

FileArg = Annotated[
    Path, typer.Argument(help="PAN 2012 XML, or JSON lines {conversation, author, time, text}.")
]
TruthOpt = Annotated[
    Path, typer.Option("--truth", help="PAN 2012 truth file: one predator author id a line.")
]
ModelOpt = Annotated[
    Path | None,
    typer.Option("--model", help="A model from 'brightline chat train' (default: the baseline)."),
]


def _rule() -> WarningRule:
    s = services().settings
    return WarningRule(s.chat_warn_threshold, s.chat_warn_k, s.chat_warn_n, s.chat_warn_cooldown)


def _model(path: Path | None) -> ChatModel | None:
    if path is None:
        return None
    from brightline.core.text.chat import model

    return model.load(path)


@chat_app.command("score")
@handle_errors
def score(file: FileArg, json_out: Annotated[bool, typer.Option("--json")] = False,
          model: ModelOpt = None) -> None:  # fmt: skip
    """Each conversation's risk (0-1), each participant's, and the warnings with the
    indicators and messages (0-based) that raised them."""
    from brightline.core.text.chat.conversation import read_conversations
    from brightline.core.text.chat.scoring import score_all

    results = score_all(read_conversations(file), rule=_rule(), model=_model(model))
    for result in results:
        if json_out:
            print_json(result.as_dict())
            continue
        flag = "[bold red]WARNING[/]" if result.warnings else "ok"
        console.print(f"{flag} {escape(result.conversation)} risk {result.risk:.2f}")
        for w in result.warnings:
            why = "; ".join(f"{i['category']} (messages {i['messages']})" for i in w.indicators)
            console.print(
                f"  message {w.message}: {escape(w.author)} risk {w.risk:.2f}: {escape(why)}",
                highlight=False,
            )


@chat_app.command("train")
@handle_errors
def train(
    file: FileArg,
    truth: TruthOpt,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the model.")],
) -> None:
    """Train TF-IDF + a calibrated linear model on labelled conversations."""
    from brightline.core.text.chat import model
    from brightline.core.text.chat.conversation import read_conversations, read_truth

    trained = model.train(read_conversations(file), read_truth(truth))
    how = model.save(trained, output)
    note = (
        "skops: loads without running code"
        if how == "skops"
        else "joblib (pickle) with its SHA-256 beside it; keep both where only you can write"
    )
    console.print(f"Wrote {escape(str(output))} ({note}).")


@chat_app.command("eval")
@handle_errors
def eval_(
    file: FileArg,
    truth: TruthOpt,
    model: ModelOpt = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Precision, recall, F0.5, F1, PR-AUC and latency-weighted F1 of the warnings
    against PAN 2012's truth (authors)."""
    from brightline.core.text.chat.conversation import read_conversations, read_truth
    from brightline.core.text.chat.evaluate import evaluate
    from brightline.core.text.chat.scoring import score_all

    conversations = read_conversations(file)
    results = score_all(conversations, rule=_rule(), model=_model(model))
    found = evaluate(conversations, results, read_truth(truth))
    if json_out:
        print_json(found.as_dict())
        return
    table = Table("measure", "value")
    for name, label in (
        ("precision", "precision"),
        ("recall", "recall"),
        ("f05", "F0.5"),
        ("f1", "F1"),
        ("pr_auc", "PR-AUC"),
        ("latency_f1", "latency-weighted F1"),
    ):
        table.add_row(label, f"{getattr(found, name):.3f}")
    console.print(table)
    console.print(
        f"{found.true_positives} of {found.predators} predators flagged, {found.flagged} authors "
        f"flagged of {found.authors}; median messages to the first warning: "
        f"{found.median_latency}."
    )


@chat_app.command("purge")
@handle_errors
def purge() -> None:
    """Drop the text of live conversation messages kept longer than
    BRIGHTLINE_CHAT_RETENTION_DAYS (scores, indicators and warnings stay)."""
    from brightline.services.text.conversations import purge_text

    count = purge_text(services().store)
    console.print(f"Dropped the text of {count:,} messages.")
