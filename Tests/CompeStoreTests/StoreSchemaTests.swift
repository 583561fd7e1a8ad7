@testable import CompeStore
import Foundation
import Testing

/// The two engines hold the same tables, columns and named indexes after their migrations, and
/// record the same migration names: a migration added to one schema and not the other fails here.
@Suite struct StoreSchemaTests {
    @Test func sqliteAndPostgresHaveTheSameSchema() async throws {
        try await StoreUnderTest.with(.sqlite) { sqlite in
            try await StoreUnderTest.with(.postgres) { postgres in
                let liteColumns = try await sqlite.store.database.read { db in
                    let tables = try db.rows("""
                        SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'
                        """) { try $0.string("name") }
                    return try tables.flatMap { table in
                        try db.rows("SELECT name FROM pragma_table_info(?)", [table]) { "\(table).\(try $0.string("name"))" }
                    }
                }
                let pgColumns = try await postgres.store.database.read { db in
                    try db.rows("""
                        SELECT table_name || '.' || column_name AS name FROM information_schema.columns
                        WHERE table_schema = 'public' AND table_name != 'schema_migrations'
                        """) { try $0.string("name") }
                }
                #expect(Set(liteColumns) == Set(pgColumns))
                #expect(liteColumns.count > 80)

                let liteIndexes = try await sqlite.store.database.read { db in
                    try db.rows("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL") { try $0.string("name") }
                }
                let pgIndexes = try await postgres.store.database.read { db in
                    try db.rows("""
                        SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'
                        """) { try $0.string("indexname") }
                }
                #expect(Set(liteIndexes) == Set(pgIndexes))

                let liteMigrations = try await sqlite.store.database.read { db in
                    try db.rows("SELECT identifier FROM grdb_migrations") { try $0.string("identifier") }
                }
                let pgMigrations = try await postgres.store.database.read { db in
                    try db.rows("SELECT identifier FROM schema_migrations") { try $0.string("identifier") }
                }
                #expect(Set(liteMigrations) == Set(pgMigrations) && liteMigrations.count >= 8)
            }
        }
    }
}
