"""Files of any size: accepted at once, stored and reconciled in the background.

`_import_file` reads and checks the whole file in the request (a bad row still
rejects it at once), keeps its rows as JSON lines in an attachment and triggers
the scheduled action *PagoEfectivo: process imported files*. That job takes
the files in order and processes IMPORT_BATCH rows per step: it creates their
operations, matches and books them, and advances the file's `rows_done`, all
in one transaction that `ir.cron._commit_progress` commits with the job's
progress. A crash loses the step in flight only: the next run resumes at
`rows_done`, with no duplicate operation and no half batch. The last step books
the file's deposits (once every paid CIP is known, for the overlap check) and
its commissions, one statement line per journal as before.

Odoo's own cron progress API is used rather than OCA's queue_job: it needs no
extra addon, no server-wide module, no job runner nor channel configuration;
the job is one sequential worker, which also keeps two files from booking the
same day at once; and `_commit_progress` gives commits, progress, a time
budget per run and rescheduling as soon as possible for free.
"""

import json
import logging
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from decimal import Decimal

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

from ..tools.report_rows import DEPOSIT, PAYMENT, SETTLEMENT, ReportRow

_logger = logging.getLogger(__name__)

# Rows stored and reconciled per step; each step commits.
IMPORT_BATCH = 2000

JOB_STATES = [
    ("queued", "Queued"),
    ("running", "In Progress"),
    ("done", "Done"),
    ("failed", "Stopped"),
]
_DECODERS = {
    "decimal": Decimal,
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
}


def encode_row(row, key):
    """One JSON line for a ReportRow and its unique key."""
    values = {}
    for field in dataclass_fields(row):
        value = getattr(row, field.name)
        if isinstance(value, Decimal):
            value = {"decimal": str(value)}
        elif isinstance(value, datetime):
            value = {"datetime": value.isoformat()}
        elif isinstance(value, date):
            value = {"date": value.isoformat()}
        values[field.name] = value
    return json.dumps({"key": key, "row": values}, separators=(",", ":"))


def decode_row(line):
    """(ReportRow, key) of a line `encode_row` wrote."""
    data = json.loads(line)
    values = {}
    for name, value in data["row"].items():
        if isinstance(value, dict):
            ((kind, text),) = value.items()
            value = _DECODERS[kind](text)
        values[name] = value
    return ReportRow(**values), data["key"]


class PagoEfectivoImport(models.Model):
    _inherit = "pagoefectivo.import"

    # Files imported before background processing were done: hence the default.
    state = fields.Selection(
        JOB_STATES,
        default="done",
        required=True,
        readonly=True,
        index=True,
        help="Queued and In Progress: the file is being imported and reconciled "
        "in the background. Stopped: a batch failed; fix the cause and Resume.",
    )
    row_count = fields.Integer(string="Rows", readonly=True)
    rows_done = fields.Integer(string="Rows Processed", readonly=True)
    progress = fields.Float(compute="_compute_progress")
    job_error = fields.Text(string="Why It Stopped", readonly=True)
    rows_attachment_id = fields.Many2one(
        "ir.attachment", readonly=True, copy=False, ondelete="set null"
    )

    @api.depends("state", "rows_done", "row_count")
    def _compute_progress(self):
        for record in self:
            if record.state == "done" or not record.row_count:
                record.progress = 100.0 if record.state == "done" else 0.0
            else:
                record.progress = 100.0 * record.rows_done / record.row_count

    # === ACCEPTING A FILE === #

    def _enqueue(self, rows):
        """Keep the checked rows for the background job and trigger it.

        What would stop every batch is checked now, in the request: the
        journals' set-up. A file whose rows were all imported before is done
        at once (nothing to book).
        """
        self.ensure_one()
        journals = self._journals_for(rows)
        self.env["account.journal"].union(
            *journals.values()
        )._pagoefectivo_check_setup()
        vals = {"row_count": len(rows), "rows_done": 0, "job_error": False}
        if self._all_imported(rows, journals):
            vals.update(state="done", rows_done=len(rows), skipped_count=len(rows))
            self.write(vals)
            return
        keys = self._row_keys(rows)
        lines = (encode_row(row, key) for row, key in zip(rows, keys, strict=True))
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": "%s.rows.jsonl" % self.name,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/json",
                    "raw": "\n".join(lines).encode(),
                }
            )
        )
        self.write({**vals, "state": "queued", "rows_attachment_id": attachment.id})
        self._trigger_job()

    def _all_imported(self, rows, journals):
        """Whether every row is already imported, and linked to a settlement
        when this file is one: then there is nothing to do (a file imported
        again)."""
        return all(op and not first for op, first in self._known_rows(rows, journals))

    def _trigger_job(self):
        self.env.ref("pagoefectivo_reconcile.cron_process_imports").sudo()._trigger()

    # === THE BACKGROUND JOB === #

    @api.model
    def _cron_process_imports(self):
        """Process the files waiting, oldest first, one committed step at a time,
        until none is left or the run's time is up (the job then runs again at
        once: `ir.cron` reschedules a job that reports work remaining). A call
        once the time is up does nothing: `ir.cron` calls a job at least
        MIN_RUNS_PER_JOB times a run, and a step takes seconds."""
        records = self.sudo().search(
            [("state", "in", ("queued", "running"))], order="id"
        )
        time_left = self._commit_import_progress(
            remaining=sum(record._steps_left() for record in records)
        )
        if time_left <= 0:
            return
        for record in records:
            while record.state in ("queued", "running"):
                processed = record._process_step()
                if self._commit_import_progress(processed) <= 0:
                    return

    @api.model
    def _commit_import_progress(self, processed=0, remaining=None):
        """Commit the steps done and report them; the seconds left to this run."""
        return self.env["payment.provider"]._pagoefectivo_commit_progress(
            processed, remaining=remaining
        )

    def _steps_left(self):
        """Rows still to process, and the file's last step."""
        self.ensure_one()
        return self.row_count - self.rows_done + 1

    def _process_step(self):
        """Run the file's next step, all or nothing, as the user who imported it
        and in their language (the job itself has none): what it writes for
        people to read, exception notes included, is in it. As superuser all
        the same, under that user's id: users only read files and operations.

        A step that fails is rolled back and stops the file (*Stopped*, with
        the error, a note and an activity for whoever must resume it); the
        steps before stay done. Database conflicts are raised: the job's
        transaction is rolled back and the step tried again later.

        :return: the steps done (for the job's progress)
        """
        self.ensure_one()
        lang = self._importer_lang()
        # mail_notrack: the payments a batch settles would each log their
        # change of status in their chatter, a third of a batch's time; the
        # operations and their statement lines already say what was settled.
        worker = (
            self.with_user(self.create_uid)
            .sudo()
            .with_company(self.company_id)
            .with_context(active_test=True, mail_notrack=True, lang=lang)
        )
        steps = self._steps_left()
        try:
            with self.env.cr.savepoint():
                return worker._run_step()
        except psycopg2.OperationalError:
            raise
        except Exception as error:  # noqa: BLE001 - a failed batch stops its file only
            _logger.exception(
                "PagoEfectivo file %s (import %s) stopped at row %s of %s",
                self.name,
                self.id,
                self.rows_done,
                self.row_count,
            )
            message = (
                error.args[0]
                if isinstance(error, UserError) and error.args
                else repr(error)
            )
            self.write({"state": "failed", "job_error": message})
            self.with_context(lang=lang)._report_stop()
            return steps

    def _run_step(self):
        """Store and reconcile the next IMPORT_BATCH rows, or finish the file."""
        self.ensure_one()
        if self.state == "queued":
            self.state = "running"
        if self.rows_done < self.row_count:
            batch = self._pending_rows(self.rows_done, IMPORT_BATCH)
            rows = [row for row, _key in batch]
            todo = self._create_operations(rows, [key for _row, key in batch])
            todo._reconcile(commissions=False)
            self.rows_done += len(rows)
            self.env.flush_all()  # recomputed here, in this context (mail_notrack)
            return len(rows)
        self._finish_import()
        self.env.flush_all()
        return 1

    def _pending_rows(self, start, count):
        """[(ReportRow, key)] of the file's rows start to start + count."""
        lines = self.rows_attachment_id.sudo().raw.split(b"\n")
        return [decode_row(line) for line in lines[start : start + count]]

    def _finish_import(self):
        """The deposits, once every paid CIP of the file is stored; then the
        commissions, one statement line per settlement and journal; then the
        settlement's bank statements."""
        Operation = self.env["pagoefectivo.operation"]
        deposits = Operation.search(
            Domain("import_id", "=", self.id) & Domain("kind", "=", DEPOSIT)
        )
        if deposits and self.file_kind == SETTLEMENT and self.skipped_count:
            # Only rows imported before can have been paid out before.
            rows = [row for row, _key in self._pending_rows(0, self.row_count)]
            resettled = self._resettled_operations(rows)
            if resettled:
                deposits._flag_deposits_overlapping(resettled)
        deposits._reconcile(commissions=False)
        Operation.search(
            Domain("settlement_id", "=", self.id)
            & Domain("kind", "=", PAYMENT)
            & Domain("commission_line_id", "=", False)
        )._book_commissions()
        self._file_statements()
        attachment = self.rows_attachment_id
        self.write({"state": "done", "rows_attachment_id": False})
        attachment.sudo().unlink()
        self._notify_importer()

    # === PROGRESS === #

    def action_resume(self):
        """Process a stopped file again, from the batch that failed."""
        self._check_can_act()
        for record in self:
            if record.state != "failed":
                raise UserError(self.env._("Only a stopped file can be resumed."))
        self.sudo().write({"state": "queued", "job_error": False})
        self._trigger_job()
        return True

    def _check_not_processing(self):
        if any(record.state in ("queued", "running") for record in self):
            raise UserError(
                self.env._(
                    "The file is still being imported in the background: wait until "
                    "it is done."
                )
            )

    def _check_not_stopped(self):
        """A stopped file is resumed before anything of it is booked: its
        deposits are checked for double payouts, and its commissions booked,
        once all its rows are in (`_finish_import`). Undo stays open: it is
        the way out of a file that cannot be resumed."""
        for record in self.filtered(lambda r: r.state == "failed"):
            raise UserError(
                self.env._(
                    "%(file)s stopped after %(done)s of %(rows)s rows: Resume "
                    "it in Imported Files first. Its deposits are checked for "
                    "CIPs paid out twice, and its commissions booked, once all "
                    "its rows are in.",
                    file=record.name,
                    done=record.rows_done,
                    rows=record.row_count,
                )
            )

    def _progress_message(self):
        """What the user is told while the file is not done."""
        self.ensure_one()
        if self.state == "failed":
            return self.env._(
                "%(file)s stopped after %(done)s of %(rows)s rows: %(error)s. Fix "
                "the cause, then Resume it in Imported Files.",
                file=self.name,
                done=self.rows_done,
                rows=self.row_count,
                error=self.job_error,
            )
        return self.env._(
            "%(file)s: %(rows)s rows accepted. They are imported and reconciled in "
            "the background: follow the progress in Imported Files.",
            file=self.name,
            rows=self.row_count,
        )

    def _notification(self):
        """The notification telling the user how the file ended."""
        self.ensure_one()
        failed = self.state == "failed"
        kind = "warning" if self.exception_count else "success"
        return {
            "type": "danger" if failed else kind,
            "title": self.env._("PagoEfectivo import"),
            "message": self._message_for(self),
            "sticky": failed or bool(self.exception_count),
        }

    def _notify_importer(self):
        """Tell the user who imported the file (on any open tab) how it ended."""
        self.ensure_one()
        if self.imported_by:
            self.imported_by._bus_send("simple_notification", self._notification())

    def _report_stop(self):
        """What stays of a stopped file beyond the notification: a note on it
        and an activity for whoever must fix the cause and resume it."""
        self.ensure_one()
        message = self._progress_message()
        self.message_post(body=message, subtype_xmlid="mail.mt_note")
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("PagoEfectivo import stopped"),
            note=message,
            user_id=self._responsible_user().id,
        )
        self._notify_importer()
