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
COMMENT ON COLUMN statements_named.evidence IS 'The verbatim quote from the source, where its text is stored here.';

COMMENT ON VIEW statement_conventions IS 'Which statements concern which convention: directly (about) or through a relation the statement claims.';
COMMENT ON COLUMN statement_conventions.via IS 'about (statements.about_convention_id) or claims relation (memberships.statement_id).';

COMMENT ON VIEW memberships_named IS 'Relations with the names of member and target: posts, memberships, partnerships, relations to conventions.';
COMMENT ON COLUMN memberships_named.member IS 'The person or organization that holds the relation.';
COMMENT ON COLUMN memberships_named.member_kind IS 'person or organization.';
COMMENT ON COLUMN memberships_named.target IS 'The organization or the convention (its official title) the relation is to.';
COMMENT ON COLUMN memberships_named.target_kind IS 'organization or convention.';
COMMENT ON COLUMN memberships_named.treaty_number IS 'The ETS/CETS number, where the target is a convention.';

COMMENT ON VIEW memberships_latest IS 'The newest known state of each relation: per member, target, relation and role, the rows with the latest as_of (undated sources count as oldest). Columns as in memberships.';
COMMENT ON VIEW mentions_named IS 'Every source that names a person, organization or convention, with the name as written there beside the entity''s own name.';
COMMENT ON COLUMN mentions_named.mention_id IS 'mentions.mention_id.';
COMMENT ON COLUMN mentions_named.entity_kind IS 'person, organization or convention.';
COMMENT ON COLUMN mentions_named.entity_id IS 'actors.actor_id, organizations.organization_id or conventions.convention_id.';
COMMENT ON COLUMN mentions_named.entity_name IS 'The entity''s name as the tables hold it (a convention''s official title).';
COMMENT ON COLUMN mentions_named.name_as_written IS 'mentions.name_as_written: the name exactly as the source writes it.';
COMMENT ON COLUMN mentions_named.source_title IS 'sources.title of the source that names the entity.';
COMMENT ON COLUMN mentions_named.source_kind IS 'sources.kind: press-release, report, resolution, meeting-document, ...';
COMMENT ON COLUMN mentions_named.source_published IS 'sources.published: when that source was published, where known.';
COMMENT ON COLUMN mentions_named.locator IS 'mentions.locator: where in a source whose text is not stored the name is found.';
COMMENT ON COLUMN mentions_named.source_id IS 'mentions.source_id.';

COMMENT ON VIEW organization_tree IS 'The organization hierarchy: every organization under its root, with its depth and path.';
COMMENT ON COLUMN organization_tree.depth IS '0 for a root (an organization without parent), then one more per level.';
COMMENT ON COLUMN organization_tree.path IS 'The names from the root down to the organization, joined by " > ".';

-- Columns carried over from a table unchanged: named after the column they come from.
COMMENT ON COLUMN memberships_named.membership_id IS 'memberships.membership_id.';
COMMENT ON COLUMN memberships_named.relation IS 'memberships.relation: post, member, associate-member, observer, partner, cooperation, participant, party, signatory, intends-to-accede, invited-to-accede or depositary.';
COMMENT ON COLUMN memberships_named.role IS 'memberships.role: the post or role in the source''s words.';
COMMENT ON COLUMN memberships_named.status IS 'memberships.status: current, planned, under-consideration, suspended, ended or withdrawn, on the as_of date.';
COMMENT ON COLUMN memberships_named.as_of IS 'memberships.as_of: the date on which the source states the status.';
COMMENT ON COLUMN memberships_named.locator IS 'memberships.locator: where in a source whose text is not stored the relation is stated.';
COMMENT ON COLUMN memberships_named.source_id IS 'memberships.source_id: the source that states the relation.';
COMMENT ON COLUMN memberships_named.start_date IS 'memberships.start_date, where the source gives it: a date, a year-month or a year.';
COMMENT ON COLUMN memberships_named.end_date IS 'memberships.end_date, where the source gives it: a date, a year-month or a year.';
COMMENT ON COLUMN memberships_named.statement_id IS 'memberships.statement_id: the statement that claims the relation, if any.';
COMMENT ON COLUMN memberships_named.evidence IS 'memberships.evidence: the verbatim quote from the source, where its text is stored here.';
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
COMMENT ON COLUMN statements_named.date IS 'statements.date: when the statement was made, where the source says (a date, a year-month or a year).';
COMMENT ON COLUMN statements_named.locator IS 'statements.locator: where in a source whose text is not stored the statement is found.';
COMMENT ON COLUMN statements_named.source_id IS 'statements.source_id: the source that reports the statement.';
COMMENT ON COLUMN statement_conventions.statement_id IS 'statements.statement_id.';
COMMENT ON COLUMN statement_conventions.convention_id IS 'conventions.convention_id.';
COMMENT ON COLUMN memberships_latest.membership_id IS 'memberships.membership_id.';
COMMENT ON COLUMN memberships_latest.member_actor_id IS 'memberships.member_actor_id.';
COMMENT ON COLUMN memberships_latest.member_organization_id IS 'memberships.member_organization_id.';
COMMENT ON COLUMN memberships_latest.organization_id IS 'memberships.organization_id.';
COMMENT ON COLUMN memberships_latest.convention_id IS 'memberships.convention_id.';
COMMENT ON COLUMN memberships_latest.relation IS 'memberships.relation.';
COMMENT ON COLUMN memberships_latest.role IS 'memberships.role.';
COMMENT ON COLUMN memberships_latest.status IS 'memberships.status.';
COMMENT ON COLUMN memberships_latest.as_of IS 'memberships.as_of.';
COMMENT ON COLUMN memberships_latest.start_date IS 'memberships.start_date.';
COMMENT ON COLUMN memberships_latest.end_date IS 'memberships.end_date.';
COMMENT ON COLUMN memberships_latest.source_id IS 'memberships.source_id.';
COMMENT ON COLUMN memberships_latest.statement_id IS 'memberships.statement_id.';
COMMENT ON COLUMN memberships_latest.evidence IS 'memberships.evidence.';
COMMENT ON COLUMN memberships_latest.evidence_start IS 'memberships.evidence_start.';
COMMENT ON COLUMN memberships_latest.evidence_end IS 'memberships.evidence_end.';
COMMENT ON COLUMN memberships_latest.locator IS 'memberships.locator.';
