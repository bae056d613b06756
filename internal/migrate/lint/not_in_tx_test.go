package lint

import "testing"

var notInTxCases = register("CO203", []ruleCase{
	{name: "concurrently inside BEGIN", sql: "BEGIN;\nCREATE INDEX CONCURRENTLY i ON users (a);\nCOMMIT;",
		want: []want{{line: 2, why: []string{"CREATE INDEX CONCURRENTLY", "opened on line 1"}}}},
	{name: "drop concurrently inside START TRANSACTION", sql: "START TRANSACTION;\nDROP INDEX CONCURRENTLY i;\nEND;",
		want: []want{{line: 2, why: []string{"DROP INDEX CONCURRENTLY"}}}},
	{name: "create database in a wrapped file", sql: "UPDATE users SET a = 1;\nCREATE DATABASE reports;", opts: Options{InTransaction: true},
		want: []want{{line: 2, why: []string{"CREATE DATABASE", "runner wraps"}}}},
	{name: "vacuum inside BEGIN", sql: "BEGIN;\nVACUUM users;\nCOMMIT;",
		want: []want{{line: 2, why: []string{"VACUUM"}}}},
	{name: "vacuum file is not wrapped", sql: "UPDATE users SET a = 1;\nVACUUM users;", opts: Options{InTransaction: true}},
	{name: "concurrently after COMMIT", sql: "BEGIN;\nSELECT 1;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON users (a);"},
	{name: "concurrently file is not wrapped", sql: "SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY i ON users (a);", opts: Options{InTransaction: true}},
	{name: "reindex concurrently", sql: "REINDEX INDEX CONCURRENTLY i;"},
})

func TestNotInTx(t *testing.T) { runCases(t, "CO203", notInTxCases) }
