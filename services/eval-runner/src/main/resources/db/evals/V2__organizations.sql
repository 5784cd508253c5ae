-- Every suite belongs to one organization (identity.orgs), and its cases, runs and results with it; what existed
-- before organizations goes to the default one.
alter table evals.suites add column org_id uuid not null default '00000000-0000-0000-0000-000000000001';
alter table evals.suites alter column org_id drop default;
create index suites_org on evals.suites (org_id, created_at desc);
