package control

import (
	"context"
	"net/http"
	"net/url"
)

// Apps lists the daemon's apps.
func (c *Client) Apps(ctx context.Context) ([]AppInfo, error) {
	var apps []AppInfo
	return apps, c.getJSON(ctx, "/v1/apps", &apps)
}

// CreateApp asks for a new app.
func (c *Client) CreateApp(ctx context.Context, req AppRequest) (AppInfo, error) {
	var info AppInfo
	return info, c.postJSON(ctx, "/v1/apps", req, &info)
}

// ChangeHosts adds and removes hosts of the app named app.
func (c *Client) ChangeHosts(ctx context.Context, app string, req HostsRequest) (AppInfo, error) {
	var info AppInfo
	return info, c.postJSON(ctx, "/v1/apps/"+url.PathEscape(app)+"/hosts", req, &info)
}

// ChangeSettings changes the HTTPS settings of the app named app.
func (c *Client) ChangeSettings(ctx context.Context, app string, req SettingsRequest) (AppInfo, error) {
	var info AppInfo
	return info, c.postJSON(ctx, "/v1/apps/"+url.PathEscape(app)+"/settings", req, &info)
}

// DestroyApp removes the app named app with its processes and releases.
func (c *Client) DestroyApp(ctx context.Context, app string) error {
	q := url.Values{"confirm": {app}}
	resp, err := c.do(ctx, http.MethodDelete, "/v1/apps/"+url.PathEscape(app)+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}
