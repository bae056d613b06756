// Command cutover deploys web apps on your own server with zero downtime.
package main

import (
	"os"

	"github.com/cutover-dev/cutover/internal/cli"
)

func main() { os.Exit(cli.Main()) }
