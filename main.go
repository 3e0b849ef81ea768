// Command convscope serves the ConvScope app and runs its engine from the
// command line. Each subcommand lives in its own file beside this one and
// registers itself here; `go run .` with no arguments runs `serve`.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
)

// command is one subcommand of the command line.
type command struct {
	name    string
	summary string
	// run receives the arguments after the command name. It returns
	// flag.ErrHelp when the user asked for help.
	run func(args []string) error
}

var commands = map[string]command{}

// register adds a subcommand; it is called from init functions of the
// files beside this one.
func register(name, summary string, run func(args []string) error) {
	if _, dup := commands[name]; dup {
		panic("convscope: command registered twice: " + name)
	}
	commands[name] = command{name: name, summary: summary, run: run}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: convscope [command] [flags]\n\ncommands (default: serve):")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun 'convscope COMMAND -h' for the flags of a command.")
}

func main() {
	args := os.Args[1:]
	name := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		name, args = args[0], args[1:]
	}
	if name == "help" {
		usage()
		return
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "convscope: unknown command %q\n\n", name)
		usage()
		os.Exit(2)
	}
	if err := cmd.run(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "convscope %s: %v\n", name, err)
		os.Exit(1)
	}
}
