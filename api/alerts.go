package api

import (
	"net/http"

	"github.com/depc-dev/depc"
	"github.com/labstack/echo/v4"
)

// --- alerts (issue 14, docs/alerts.md)
//
// Receivers are configuration a manager owns: a webhook's URL may carry a
// token of its own (chat services put one in the path), so reading them
// takes the manager role too, and their secret is shown as SecretMask.
// The alerts and their deliveries are for every member of the team.

type receiverRequest struct {
	Type   string  `json:"type"`
	URL    string  `json:"url"`
	Secret *string `json:"secret"`
}

func receiverParam(c echo.Context) (string, error) {
	name, err := pathParam(c, "receiver")
	if err != nil {
		return "", err
	}
	return name, depc.CheckResourceName("receiver", name)
}

// maskReceiver returns r with its secret replaced by SecretMask; an empty
// secret stays empty, so that a reader sees there is none.
func maskReceiver(r depc.AlertReceiver) depc.AlertReceiver {
	if r.Secret != "" {
		r.Secret = SecretMask
	}
	return r
}

func (s *Server) listReceivers(c echo.Context) error {
	rs, err := s.deps.State.AlertReceivers(c.Request().Context(), teamOf(c).Name)
	if err != nil {
		return err
	}
	out := make([]depc.AlertReceiver, len(rs))
	for i, r := range rs {
		out[i] = maskReceiver(r)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getReceiver(c echo.Context) error {
	name, err := receiverParam(c)
	if err != nil {
		return err
	}
	r, err := s.deps.State.AlertReceiver(c.Request().Context(), teamOf(c).Name, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, maskReceiver(r))
}

// putReceiver creates or replaces a receiver. A secret sent as SecretMask
// keeps the stored one, as for sources, and only while the receiver's
// type and URL are unchanged: a secret must not follow the request to a
// URL its owner never chose for it.
func (s *Server) putReceiver(c echo.Context) error {
	name, err := receiverParam(c)
	if err != nil {
		return err
	}
	var req receiverRequest
	if err := s.bind(c, &req); err != nil {
		return err
	}
	r := depc.AlertReceiver{Name: name, Type: req.Type, URL: req.URL}
	if req.Secret != nil {
		r.Secret = *req.Secret
	}
	ctx := c.Request().Context()
	team := teamOf(c).Name
	if r.Secret == SecretMask {
		stored, err := s.deps.State.AlertReceiver(ctx, team, name)
		switch {
		case depc.ErrorCode(err) == depc.ENOTFOUND:
			return depc.Errorf(depc.EINVALID, "secret: %q is the mask shown in place of a secret; send the secret itself (no receiver %q to keep it from)", SecretMask, name)
		case err != nil:
			return err
		case stored.Type != r.Type || stored.URL != r.URL:
			return depc.Errorf(depc.EINVALID, "secret: the mask keeps the stored secret only while type and url are unchanged; send the secret for the new url")
		}
		r.Secret = stored.Secret
	}
	if err := r.Validate(); err != nil {
		return err
	}
	if err := s.outbound.CheckURL("url", r.URL); err != nil {
		return err
	}
	r, err = s.deps.State.SetAlertReceiver(ctx, team, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, maskReceiver(r))
}

func (s *Server) deleteReceiver(c echo.Context) error {
	name, err := receiverParam(c)
	if err != nil {
		return err
	}
	if err := s.deps.State.DeleteAlertReceiver(c.Request().Context(), teamOf(c).Name, name); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// alertJSON is an alert with its maps never null.
func alertJSON(a depc.Alert) depc.Alert {
	if a.Labels == nil {
		a.Labels = map[string]string{}
	}
	if a.Annotations == nil {
		a.Annotations = map[string]string{}
	}
	return a
}

// listAlerts lists the team's alerts, firing and resolved (resolved ones
// are kept for alerts.retention), sorted by ID; ?firing=true keeps the
// firing ones.
func (s *Server) listAlerts(c echo.Context) error {
	firing := c.QueryParam("firing")
	if firing != "" && firing != "true" && firing != "false" {
		return depc.Errorf(depc.EINVALID, "firing: must be true or false, not %q", firing)
	}
	as, err := s.deps.State.Alerts(c.Request().Context(), teamOf(c).Name)
	if err != nil {
		return err
	}
	out := []depc.Alert{}
	for _, a := range as {
		if firing == "" || a.Firing == (firing == "true") {
			out = append(out, alertJSON(a))
		}
	}
	return c.JSON(http.StatusOK, out)
}

// listDeliveries lists the team's latest deliveries, newest first.
func (s *Server) listDeliveries(c echo.Context) error {
	limit, err := queryInt(c, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	ds, err := s.deps.State.AlertDeliveries(c.Request().Context(), teamOf(c).Name, limit)
	if err != nil {
		return err
	}
	for i := range ds {
		ds[i].Alert = alertJSON(ds[i].Alert)
	}
	return c.JSON(http.StatusOK, nonNil(ds))
}
