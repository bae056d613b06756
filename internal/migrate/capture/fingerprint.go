package capture

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultFingerprintTimeout bounds reading a database's schema fingerprint.
const DefaultFingerprintTimeout = 30 * time.Second

// fingerprintQuery sums up a database's schema outside the system schemas: its columns (with types
// and nullability), its indexes and its constraints. It only reads the catalogs.
const fingerprintQuery = `SELECT md5(
  coalesce((SELECT string_agg(format('%s.%s.%s %s %s', table_schema, table_name, column_name, data_type, is_nullable), ',' ORDER BY 1)
            FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')), '') || '|' ||
  coalesce((SELECT string_agg(indexdef, ',' ORDER BY indexdef) FROM pg_indexes
            WHERE schemaname NOT IN ('pg_catalog', 'information_schema')), '') || '|' ||
  coalesce((SELECT string_agg(c.conrelid::regclass::text || ' ' || pg_get_constraintdef(c.oid), ',' ORDER BY 1)
            FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')), ''))`

// Fingerprint returns a digest of the schema of the database at url, to tell whether anything
// changed it between two readings: a release command that migrates a database other than the one
// DATABASE_URL names (its own DB_HOST, say) changes the real one during a check.
func Fingerprint(ctx context.Context, url string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, DefaultFingerprintTimeout)
	defer cancel()
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "", fmt.Errorf("read the schema of %s: %w", redact(url), err)
	}
	cfg.RuntimeParams["application_name"] = AppName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", fmt.Errorf("read the schema of %s: %w", redact(url), err)
	}
	defer conn.Close(context.Background())
	var sum string
	if err := conn.QueryRow(ctx, fingerprintQuery).Scan(&sum); err != nil {
		return "", fmt.Errorf("read the schema of %s: %w", redact(url), err)
	}
	return sum, nil
}
