-- What runners look up most, through small indexes whatever the age of the sessions and of the platform.
-- A session's unfinished turns (the next to claim, whether one waits): the index this replaces left out turns waiting
-- for approvals, so the claim, which looks for those too, scanned every turn the session ever had.
drop index runtime.turns_unfinished;
create index turns_unfinished on runtime.turns (session_id, created_at, id)
    where status in ('pending', 'running', 'waiting');
-- Sessions a runner holds, for the recovery sweep's look for expired leases (it scanned every session). Its key and
-- predicate change only when a session is let go or taken by another runner, so a runner's lease renewals and claims
-- stay HOT updates.
create index sessions_held on runtime.sessions (id) where runner_id is not null;
