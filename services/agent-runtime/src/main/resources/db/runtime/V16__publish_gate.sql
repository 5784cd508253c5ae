-- The eval suites (by name, in eval-runner) that must pass against a version before it is published.
alter table runtime.agent_versions add column publish_gate text[] not null default '{}';
