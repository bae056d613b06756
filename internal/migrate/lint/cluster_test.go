package lint

import "testing"

var clusterCases = register("CO210", []ruleCase{
	{name: "cluster table", sql: "CLUSTER users USING users_pkey;", want: []want{{line: 1, why: []string{`"users"`, "ACCESS EXCLUSIVE"}}}},
	{name: "cluster all", sql: "CLUSTER;", want: []want{{line: 1, why: []string{"every previously clustered table"}}}},
	{name: "set cluster marker only", sql: "ALTER TABLE users CLUSTER ON users_pkey;"},
	{name: "new table", sql: "CREATE TABLE t (a int PRIMARY KEY);\nCLUSTER t USING t_pkey;"},
})

func TestCluster(t *testing.T) { runCases(t, "CO210", clusterCases) }
