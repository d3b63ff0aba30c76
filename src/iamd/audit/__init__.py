"""iamd.audit: every decision on the record, in CloudTrail's format, with its reasons.

- `trail` — the process's `Trail`: a writing call's event in its own transaction,
  everything else batched (with the bound a crash can lose), retention and pruning.
- `api_calls`, `signins`, `data_plane` — what happened, as events: API calls (from
  the pipeline and the console), console sign-ins (``ConsoleLogin``), and the data
  plane's decisions.
- `events`, `identity`, `parameters`, `reasons` — the record itself: CloudTrail's
  fields, ``userIdentity``, secrets left out of ``requestParameters`` and
  ``responseElements``, and iamd's ``iamdDecision``.
- `lookup` — CloudTrail's LookupEvents, served on the API endpoint.

Layering: above `iam`/`sts` (and `authz`, `auth`, `policy`, `store`, `protocol`,
`operation`), below `server`, `console` and `cli`, which call into it.
"""
