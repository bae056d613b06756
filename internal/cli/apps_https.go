package cli

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/control"
)

// newAppsHTTPSCmd is `cutover apps https`: an app's HTTPS settings, changed after it was made.
func newAppsHTTPSCmd(g *globals) *cobra.Command {
	var cert, key, hsts string
	var acme, redirect, noRedirect bool
	cmd := &cobra.Command{
		Use:   "https APP [--tls-cert F --tls-key F | --acme] [--hsts VALUE] [--redirect | --no-redirect]",
		Short: "Change an app's HTTPS: its own certificate files or ACME, HSTS, the redirect; at once",
		Long: `Change how an app is served over HTTPS, with no restart: its own certificate files instead of
ACME (--tls-cert and --tls-key, re-read when they change) or back to ACME (--acme), the
Strict-Transport-Security value (--hsts, "" for none), and whether plain HTTP redirects to HTTPS
once its certificates are valid. What is not given stays as it is.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var req control.SettingsRequest
			fl := cmd.Flags()
			switch {
			case acme && (fl.Changed("tls-cert") || fl.Changed("tls-key")):
				return errors.New("give --acme or --tls-cert and --tls-key, not both")
			case redirect && noRedirect:
				return errors.New("give --redirect or --no-redirect, not both")
			case fl.Changed("tls-cert") != fl.Changed("tls-key"):
				return errors.New("give the certificate and its key together (--tls-cert and --tls-key)")
			case acme:
				empty := ""
				req.TLSCert, req.TLSKey = &empty, &empty
			case fl.Changed("tls-cert") || fl.Changed("tls-key"):
				for _, p := range []*string{&cert, &key} {
					abs, err := filepath.Abs(*p)
					if err != nil {
						return err
					}
					*p = abs
				}
				req.TLSCert, req.TLSKey = &cert, &key
			}
			if fl.Changed("hsts") {
				req.HSTS = &hsts
			}
			if redirect || noRedirect {
				req.NoRedirect = &noRedirect
			}
			if req == (control.SettingsRequest{}) {
				return errors.New("nothing to change: give --tls-cert and --tls-key, --acme, --hsts, --redirect or --no-redirect")
			}
			info, err := g.client().ChangeSettings(cmd.Context(), args[0], req)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "app %s: %s\n", info.Name, certSummary(info.Certs))
			for _, c := range info.Certs {
				if c.LastError != "" {
					fmt.Fprintf(g.stdout, "%s: %s: %s\n", c.Host, c.Status, c.LastError)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&cert, "tls-cert", "", "the app's own certificate chain (PEM), instead of ACME; reloaded when it changes")
	cmd.Flags().StringVar(&key, "tls-key", "", "the private key (PEM) of --tls-cert")
	cmd.Flags().BoolVar(&acme, "acme", false, "certificates from the daemon's ACME CA again, instead of the app's own files")
	cmd.Flags().StringVar(&hsts, "hsts", "", `Strict-Transport-Security value for HTTPS responses, such as max-age=31536000; "" for none`)
	cmd.Flags().BoolVar(&redirect, "redirect", false, "redirect plain HTTP to HTTPS once the app's certificates are valid")
	cmd.Flags().BoolVar(&noRedirect, "no-redirect", false, "keep serving plain HTTP")
	return cmd
}
