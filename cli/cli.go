package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
)

// Version is hookd's version, set at build time with
// -ldflags "-X github.com/hookd/hookd/cli.Version=v1.2.3"; otherwise taken
// from the module's build information, or "dev".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, out, errOut io.Writer) error
}

// commands returns every subcommand by name: the server's own and the
// client commands.
func commands() map[string]command {
	all := map[string]command{
		"serve":   {"run the hookd server", runServe},
		"receive": {"run a local receiver that prints the webhooks it gets", runReceive},
		"verify":  {"check a saved request's signature", runVerify},
		"bench":   {"run the benchmark", runBench},
		"portal":  {"print a single-use link into a workspace's portal (the web UI)", runPortal},
		"version": {"print the version", func(_ context.Context, _ []string, out, _ io.Writer) error {
			_, err := fmt.Fprintln(out, "hookd", version())
			return err
		}},
	}
	for name, c := range clientCommands {
		all[name] = c
	}
	return all
}

// errUsage marks an error in the command line itself.
var errUsage = errors.New("usage")

// usageError returns an error that says what is wrong with the command line.
func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// ExitCode is the process exit code for an error Run returned: 2 for a bad
// command line, 1 for anything else.
func ExitCode(err error) int {
	if errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// Run runs the hookd command line args (without the program name) until it
// is done or ctx ends.
func Run(ctx context.Context, args []string, out, errOut io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := commands()[args[1]]; ok {
				if err := c.run(ctx, []string{"--help"}, out, errOut); !errors.Is(err, flag.ErrHelp) {
					return err
				}
				return nil
			}
		}
		printUsage(out)
		return nil
	}
	c, ok := commands()[args[0]]
	if !ok {
		printUsage(errOut)
		return usageError("unknown command %q", args[0])
	}
	err := c.run(ctx, args[1:], out, errOut)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, `hookd %s: webhook delivery with signing, retries, logs and replay.

Usage: hookd <command> [flags]

Commands:
`, version())
	all := commands()
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, all[n].summary)
	}
	fmt.Fprint(w, `
Run 'hookd <command> --help' for a command's flags. Every serve flag can also
be set as an environment variable: --data as HOOKD_DATA, --allow-http as
HOOKD_ALLOW_HTTP, and so on. Client commands talk to HOOKD_URL (default
http://localhost:8080) with the key in HOOKD_KEY.
`)
}

// newFlagSet returns a flag set for a command that prints its usage to w.
func newFlagSet(name, usage string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: hookd %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseWithEnv parses args into fs, taking each flag that args do not set
// from the environment variable HOOKD_<FLAG NAME> (upper case, - as _).
func parseWithEnv(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || err != nil {
			return
		}
		env := "HOOKD_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if e := f.Value.Set(v); e != nil {
				err = usageError("%s=%q: %v", env, v, e)
			}
		}
	})
	return err
}
