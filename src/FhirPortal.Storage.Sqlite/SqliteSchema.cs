using Microsoft.Data.Sqlite;

namespace FhirPortal.Storage.Sqlite;

/// <summary>Creates and migrates the database schema; the user_version pragma records what has been applied.</summary>
internal static class SqliteSchema
{
    // Each entry moves the schema one version forward; never edit an applied step, append a new one.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE resource (
            rid INTEGER PRIMARY KEY,
            type TEXT NOT NULL,
            id TEXT NOT NULL,
            version INTEGER NOT NULL,
            deleted INTEGER NOT NULL,
            UNIQUE (type, id));
        CREATE TABLE resource_version (
            seq INTEGER PRIMARY KEY,          -- commit order; history pages by it
            rid INTEGER NOT NULL REFERENCES resource(rid),
            version INTEGER NOT NULL,
            method INTEGER NOT NULL,
            last_updated INTEGER NOT NULL,    -- Unix milliseconds
            json BLOB NOT NULL,
            UNIQUE (rid, version));
        CREATE INDEX ix_version_updated ON resource_version(last_updated);
        CREATE TABLE token_index (
            rid INTEGER NOT NULL REFERENCES resource(rid),
            param TEXT NOT NULL,
            system TEXT,
            code TEXT);
        CREATE INDEX ix_token_lookup ON token_index(param, code, system, rid);
        CREATE INDEX ix_token_rid ON token_index(rid);
        """,
        // v2: an index table per search value type (see FhirPortal.Search.ResourceIndex), compartments, full text.
        // Instants are Unix milliseconds; open period ends use the DateTimeOffset extremes.
        """
        ALTER TABLE resource ADD COLUMN last_updated INTEGER NOT NULL DEFAULT 0;
        UPDATE resource SET last_updated =
            (SELECT v.last_updated FROM resource_version v WHERE v.rid = resource.rid AND v.version = resource.version);
        CREATE INDEX ix_resource_type_updated ON resource(type, last_updated);
        ALTER TABLE token_index ADD COLUMN text TEXT;
        ALTER TABLE token_index ADD COLUMN grp INTEGER;
        CREATE TABLE string_index (rid INTEGER NOT NULL, param TEXT NOT NULL, norm TEXT NOT NULL, exact TEXT NOT NULL, grp INTEGER);
        CREATE INDEX ix_string_lookup ON string_index(param, norm);
        CREATE INDEX ix_string_rid ON string_index(rid);
        CREATE TABLE date_index (rid INTEGER NOT NULL, param TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, grp INTEGER);
        CREATE INDEX ix_date_lookup ON date_index(param, start_ms, end_ms);
        CREATE INDEX ix_date_rid ON date_index(rid);
        CREATE TABLE number_index (rid INTEGER NOT NULL, param TEXT NOT NULL, value REAL NOT NULL, low REAL NOT NULL, high REAL NOT NULL, grp INTEGER);
        CREATE INDEX ix_number_lookup ON number_index(param, value);
        CREATE INDEX ix_number_rid ON number_index(rid);
        CREATE TABLE quantity_index (
            rid INTEGER NOT NULL, param TEXT NOT NULL, system TEXT, code TEXT, unit TEXT,
            value REAL NOT NULL, low REAL NOT NULL, high REAL NOT NULL,
            ccode TEXT, cvalue REAL, clow REAL, chigh REAL, grp INTEGER);
        CREATE INDEX ix_quantity_lookup ON quantity_index(param, code, value);
        CREATE INDEX ix_quantity_canonical ON quantity_index(param, ccode, cvalue);
        CREATE INDEX ix_quantity_rid ON quantity_index(rid);
        CREATE TABLE reference_index (
            rid INTEGER NOT NULL, param TEXT NOT NULL, ttype TEXT, tid TEXT, url TEXT, isys TEXT, ival TEXT, grp INTEGER);
        CREATE INDEX ix_reference_lookup ON reference_index(param, tid, ttype);
        CREATE INDEX ix_reference_target ON reference_index(ttype, tid, param);
        CREATE INDEX ix_reference_url ON reference_index(param, url);
        CREATE INDEX ix_reference_rid ON reference_index(rid);
        CREATE TABLE uri_index (rid INTEGER NOT NULL, param TEXT NOT NULL, value TEXT NOT NULL, grp INTEGER);
        CREATE INDEX ix_uri_lookup ON uri_index(param, value);
        CREATE INDEX ix_uri_rid ON uri_index(rid);
        CREATE TABLE compartment_index (rid INTEGER NOT NULL, ctype TEXT NOT NULL, cid TEXT NOT NULL);
        CREATE INDEX ix_compartment_lookup ON compartment_index(ctype, cid, rid);
        CREATE INDEX ix_compartment_rid ON compartment_index(rid);
        CREATE VIRTUAL TABLE resource_text USING fts5(narrative, content, tokenize = 'unicode61 remove_diacritics 2');
        """,
        // v3: background jobs ($reindex, later $export) survive restarts.
        """
        CREATE TABLE job (id TEXT PRIMARY KEY, kind TEXT NOT NULL, state TEXT NOT NULL);
        CREATE INDEX ix_job_kind ON job(kind);
        """,
        // v4: one type's current resources in storage (rid) order, so export and $everything pages by type walk the
        // index from the cursor instead of sorting every resource of the type for each page.
        """
        CREATE INDEX ix_resource_type ON resource(type);
        """,
        // v5: date values longer than a day (or inverted), by start: every date prefix then scans start_ms ranges, the
        // short values in ix_date_lookup and these few here (see SqliteDateConditions).
        """
        CREATE INDEX ix_date_long ON date_index(param, start_ms) WHERE NOT (end_ms - start_ms BETWEEN 0 AND 86400000);
        """,
        // v6: a job record's version, for compare-and-swap saves (job leases across instances).
        """
        ALTER TABLE job ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
        """,
        // v7: the highest job version ever given out, so a job saved again after its delete starts above every version
        // the deleted one had (a compare-and-swap holding an old version can never match the new record: no ABA).
        """
        CREATE TABLE job_version (n INTEGER NOT NULL);
        INSERT INTO job_version (n) SELECT COALESCE(MAX(version), 0) FROM job;
        CREATE TRIGGER job_version_insert AFTER INSERT ON job BEGIN UPDATE job_version SET n = max(n, NEW.version); END;
        CREATE TRIGGER job_version_update AFTER UPDATE OF version ON job BEGIN UPDATE job_version SET n = max(n, NEW.version); END;
        """,
        // v8: rid before end_ms in the date lookup index, so a walk of a date in page order (SqlitePlan) reads the rows of
        // one start time in rid order, the page's tie-break: LIMIT then ends the walk inside a group of equal starts
        // (1,000 practitioners' 08:00 slots) instead of SQLite reading and sorting the whole group first. end_ms stays
        // in the index, so date predicates are still decided on index rows; a start_ms range never seeks on end_ms.
        """
        DROP INDEX ix_date_lookup;
        CREATE INDEX ix_date_lookup ON date_index(param, start_ms, rid, end_ms);
        """,
        // v9: a version's patients (its Patient compartments when written, '/'-joined), so the access audit need not
        // parse returned versions; NULL for the versions stored before (the audit parses those).
        """
        ALTER TABLE resource_version ADD COLUMN patients TEXT;
        """,
        // v10: each index row's resource type, in the lookup indexes right after param (ctype, cid in compartment_index).
        // The param column holds a code shared by every type that defines it ("patient"), so a type's search walked the
        // rows of all of them (an Observation?patient search read the patient's Conditions, Encounters and AuditEvents);
        // with the type in the key it seeks just its own. A column rather than a type-qualified param, because a system
        // search (no type) stays correct without knowing which types define a code (it seeks each type in turn), and
        // rid-keyed lookups (probes, sort keys, includes) need no change.
        """
        ALTER TABLE token_index ADD COLUMN type TEXT NOT NULL DEFAULT '';
        ALTER TABLE string_index ADD COLUMN type TEXT NOT NULL DEFAULT '';
        ALTER TABLE date_index ADD COLUMN type TEXT NOT NULL DEFAULT '';
        ALTER TABLE number_index ADD COLUMN type TEXT NOT NULL DEFAULT '';
        ALTER TABLE quantity_index ADD COLUMN type TEXT NOT NULL DEFAULT '';
        ALTER TABLE reference_index ADD COLUMN type TEXT NOT NULL DEFAULT '';
        ALTER TABLE uri_index ADD COLUMN type TEXT NOT NULL DEFAULT '';
        ALTER TABLE compartment_index ADD COLUMN type TEXT NOT NULL DEFAULT '';
        UPDATE token_index SET type = r.type FROM resource r WHERE r.rid = token_index.rid;
        UPDATE string_index SET type = r.type FROM resource r WHERE r.rid = string_index.rid;
        UPDATE date_index SET type = r.type FROM resource r WHERE r.rid = date_index.rid;
        UPDATE number_index SET type = r.type FROM resource r WHERE r.rid = number_index.rid;
        UPDATE quantity_index SET type = r.type FROM resource r WHERE r.rid = quantity_index.rid;
        UPDATE reference_index SET type = r.type FROM resource r WHERE r.rid = reference_index.rid;
        UPDATE uri_index SET type = r.type FROM resource r WHERE r.rid = uri_index.rid;
        UPDATE compartment_index SET type = r.type FROM resource r WHERE r.rid = compartment_index.rid;
        DROP INDEX ix_token_lookup;
        CREATE INDEX ix_token_lookup ON token_index(param, type, code, system, rid);
        DROP INDEX ix_string_lookup;
        CREATE INDEX ix_string_lookup ON string_index(param, type, norm);
        DROP INDEX ix_date_lookup;
        CREATE INDEX ix_date_lookup ON date_index(param, type, start_ms, rid, end_ms);
        DROP INDEX ix_date_long;
        CREATE INDEX ix_date_long ON date_index(param, type, start_ms) WHERE NOT (end_ms - start_ms BETWEEN 0 AND 86400000);
        DROP INDEX ix_number_lookup;
        CREATE INDEX ix_number_lookup ON number_index(param, type, value);
        DROP INDEX ix_quantity_lookup;
        CREATE INDEX ix_quantity_lookup ON quantity_index(param, type, code, value);
        DROP INDEX ix_quantity_canonical;
        CREATE INDEX ix_quantity_canonical ON quantity_index(param, type, ccode, cvalue);
        DROP INDEX ix_reference_lookup;
        CREATE INDEX ix_reference_lookup ON reference_index(param, type, tid, ttype);
        DROP INDEX ix_reference_target;
        CREATE INDEX ix_reference_target ON reference_index(ttype, tid, type, param);
        DROP INDEX ix_reference_url;
        CREATE INDEX ix_reference_url ON reference_index(param, type, url);
        DROP INDEX ix_uri_lookup;
        CREATE INDEX ix_uri_lookup ON uri_index(param, type, value);
        DROP INDEX ix_compartment_lookup;
        CREATE INDEX ix_compartment_lookup ON compartment_index(ctype, cid, type, rid);
        """,
    ];

    public static void Apply(SqliteConnection connection)
    {
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }
        var current = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"));
        for (var step = current; step < Migrations.Length; step++)
        {
            using var tx = connection.BeginTransaction();
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = Migrations[step] + $"\nPRAGMA user_version = {step + 1};";
            cmd.ExecuteNonQuery();
            tx.Commit();
        }
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
