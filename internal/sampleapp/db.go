package sampleapp

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
)

// database is the app's optional PostgreSQL read: with --db-query, / answers only once the query
// succeeds, as an app whose code reads a column does. Dropping that column under it makes / fail,
// which is what the expand/contract tests look for.
type database struct {
	pool  *pgxpool.Pool
	query string
}

// openDatabase connects lazily to $DATABASE_URL for query; nil when no query is asked for.
func openDatabase(ctx context.Context, query string) (*database, error) {
	if query == "" {
		return nil, nil
	}
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		return nil, errors.New("--db-query needs DATABASE_URL")
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	return &database{pool: pool, query: query}, nil
}

// read runs the query and returns its first column of its first row as text.
func (d *database) read(ctx context.Context) (string, error) {
	var v any
	if err := d.pool.QueryRow(ctx, d.query).Scan(&v); err != nil {
		return "", fmt.Errorf("db: %w", err)
	}
	return fmt.Sprint(v), nil
}

func (d *database) close() {
	if d != nil {
		d.pool.Close()
	}
}
