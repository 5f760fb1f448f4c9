-- What each view and its columns hold, for people browsing the database (DBeaver, duckdb's .schema,
-- duckdb_views() and duckdb_columns()).

COMMENT ON VIEW entity_names IS 'Every person and organization by id, with its display name: one place to turn an id into a name.';
COMMENT ON COLUMN entity_names.kind IS 'actor (a person, from actors) or organization (from organizations).';
COMMENT ON COLUMN entity_names.id IS 'actors.actor_id or organizations.organization_id.';
COMMENT ON COLUMN entity_names.name IS 'The name as the tables hold it.';

COMMENT ON VIEW statements_named IS 'Statements with the names of their speaker, subject and convention, and the date of their source.';
COMMENT ON COLUMN statements_named.reported_on IS 'The publication date of the source that reports the statement.';
COMMENT ON COLUMN statements_named.speaker IS 'The person or organization the statement is attributed to.';
COMMENT ON COLUMN statements_named.speaker_kind IS 'person or organization.';
COMMENT ON COLUMN statements_named.about_person IS 'The person the statement is about, if any.';
COMMENT ON COLUMN statements_named.about_organization IS 'The organization the statement is about, if any.';
COMMENT ON COLUMN statements_named.about_treaty_number IS 'The ETS/CETS number of the convention the statement is about, if any.';
COMMENT ON COLUMN statements_named.about_convention IS 'The official title of that convention.';
COMMENT ON COLUMN statements_named.evidence IS 'The verbatim quote from the source.';

COMMENT ON VIEW statement_conventions IS 'Which statements concern which convention: directly (about) or through a relation the statement claims.';
COMMENT ON COLUMN statement_conventions.via IS 'about (statements.about_convention_id) or claims relation (memberships.statement_id).';

COMMENT ON VIEW memberships_named IS 'Relations with the names of member and target: posts, memberships, partnerships, relations to conventions.';
COMMENT ON COLUMN memberships_named.member IS 'The person or organization that holds the relation.';
COMMENT ON COLUMN memberships_named.member_kind IS 'person or organization.';
COMMENT ON COLUMN memberships_named.target IS 'The organization or the convention (its official title) the relation is to.';
COMMENT ON COLUMN memberships_named.target_kind IS 'organization or convention.';
COMMENT ON COLUMN memberships_named.treaty_number IS 'The ETS/CETS number, where the target is a convention.';

COMMENT ON VIEW organization_tree IS 'The organization hierarchy: every organization under its root, with its depth and path.';
COMMENT ON COLUMN organization_tree.depth IS '0 for a root (an organization without parent), then one more per level.';
COMMENT ON COLUMN organization_tree.path IS 'The names from the root down to the organization, joined by " > ".';

-- Columns carried over from a table unchanged: named after the column they come from.
COMMENT ON COLUMN memberships_named.membership_id IS 'memberships.membership_id.';
COMMENT ON COLUMN memberships_named.relation IS 'memberships.relation: post, member, party, partner, cooperation or participant.';
COMMENT ON COLUMN memberships_named.role IS 'memberships.role: the post or role in the source''s words.';
COMMENT ON COLUMN memberships_named.status IS 'memberships.status: current, intended, invitation-under-consideration or planned.';
COMMENT ON COLUMN memberships_named.start_date IS 'memberships.start_date, where the source gives it.';
COMMENT ON COLUMN memberships_named.end_date IS 'memberships.end_date, where the source gives it.';
COMMENT ON COLUMN memberships_named.statement_id IS 'memberships.statement_id: the statement that claims the relation, if any.';
COMMENT ON COLUMN memberships_named.evidence IS 'memberships.evidence: the verbatim quote from the source.';
COMMENT ON COLUMN organization_tree.organization_id IS 'organizations.organization_id.';
COMMENT ON COLUMN organization_tree.name IS 'organizations.name.';
COMMENT ON COLUMN organization_tree.classification IS 'organizations.classification.';
COMMENT ON COLUMN organization_tree.parent_id IS 'organizations.parent_id: the organization one level up, NULL for a root.';
COMMENT ON COLUMN statements_named.statement_id IS 'statements.statement_id.';
COMMENT ON COLUMN statements_named.attribution IS 'statements.attribution: explicit or implied.';
COMMENT ON COLUMN statements_named.act IS 'statements.act: what the speaker did.';
COMMENT ON COLUMN statements_named.summary IS 'statements.summary.';
COMMENT ON COLUMN statements_named.quantity IS 'statements.quantity, if the statement reports a figure.';
COMMENT ON COLUMN statements_named.unit IS 'statements.unit: what the quantity counts.';
COMMENT ON COLUMN statements_named.source_id IS 'statements.source_id: the source that reports the statement.';
COMMENT ON COLUMN statement_conventions.statement_id IS 'statements.statement_id.';
COMMENT ON COLUMN statement_conventions.convention_id IS 'conventions.convention_id.';
