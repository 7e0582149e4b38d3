"""``manage.py at_rest_rotate``: re-encrypt every stored blob under the current at-rest key.

Put the new key first in AT_REST_KEYS (keep the old one after it), run this, then remove the
old key. Each row is rewritten in its own transaction with the same context, so the command can
be interrupted and run again.
"""

from __future__ import annotations

from django.core.management import BaseCommand
from django.db import transaction

from compact.at_rest import keyring


def blob_fields():
    """(model, field, context(row)) for every at-rest blob."""
    from aggregation.models import CohortAggregate, CohortMaskSum, UnmaskJob
    from employers.models import SealedSubmission
    from employers.services.submissions import blob_context

    return [
        (SealedSubmission, "masked_vector",
         lambda r: blob_context(r.cycle.slug, r.employer_id, r.version, "masked")),
        (SealedSubmission, "sealed_seed",
         lambda r: blob_context(r.cycle.slug, r.employer_id, r.version, "seed")),
        (CohortMaskSum, "mask_sum", lambda r: f"cohort/{r.job.cycle.slug}/{r.cohort_key}/mask"),
        (CohortAggregate, "elements", lambda r: f"cohort/{r.cycle.slug}/{r.key}/aggregate"),
        (UnmaskJob, "checkpoint", lambda r: f"cohort/{r.cycle.slug}/*/checkpoint"),
    ]


class Command(BaseCommand):
    help = "Re-encrypt stored blobs under the first key of AT_REST_KEYS."

    def handle(self, *args, **options):
        ring = keyring()
        current = ring.current[0]
        rewritten = 0
        for model, field, context in blob_fields():
            for pk in model.objects.values_list("pk", flat=True):
                with transaction.atomic():
                    row = model.objects.select_for_update().get(pk=pk)
                    blob = getattr(row, field)
                    if not blob or ring.key_id_of(bytes(blob)) == current:
                        continue
                    ctx = context(row)
                    plain = ring.decrypt(bytes(blob), context=ctx)
                    model.objects.filter(pk=pk).update(**{field: ring.encrypt(plain, context=ctx)})
                    rewritten += 1
        self.stdout.write(f"{rewritten} blob(s) re-encrypted under key {current!r}.")
