package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/outbound"
)

// AMAlert is one alert as Alertmanager's v2 API takes it (POST
// /api/v2/alerts, a JSON array of them). An alert whose EndsAt is past is
// resolved.
type AMAlert struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Webhook is the JSON body posted to a webhook.
type Webhook struct {
	// Version of this body's format: "1".
	Version string `json:"version"`
	// Delivery is the id of the delivery, as in DeliveryHeader.
	Delivery int64  `json:"delivery"`
	Team     string `json:"team"`
	Receiver string `json:"receiver"`
	// Status is "firing" or "resolved".
	Status string       `json:"status"`
	Alert  WebhookAlert `json:"alert"`
	SentAt time.Time    `json:"sent_at"`
}

// WebhookAlert is the alert of a Webhook body.
type WebhookAlert struct {
	ID string `json:"id"`
	// Seq counts the alert's state changes (odd: firing, even: resolved).
	Seq         int64             `json:"seq"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"starts_at"`
	// EndsAt is null while the alert fires.
	EndsAt *time.Time `json:"ends_at"`
}

// Statuses of a Webhook.
const (
	StatusFiring   = "firing"
	StatusResolved = "resolved"
)

// SendError is why a delivery failed; Permanent says that trying again
// would fail the same way (the receiver refused the request itself, or
// the outbound guard refuses its address).
type SendError struct {
	Msg       string
	Permanent bool
}

func (e *SendError) Error() string { return e.Msg }

// Sender sends deliveries over HTTP through the outbound guard. It is safe
// for concurrent use.
type Sender struct {
	guard  *outbound.Guard
	client *http.Client
	// Hold is how long after a send Alertmanager keeps a firing alert
	// without hearing of it again (its endsAt): longer than the refresh
	// period, so that a refresh comes first.
	Hold time.Duration
	// UserAgent of the requests.
	UserAgent string
	// ExternalURL, when set, is the base of the link to the node's page
	// in the UI (Alertmanager's generatorURL).
	ExternalURL string
}

// DefaultTimeout bounds one request.
const DefaultTimeout = 10 * time.Second

// NewSender returns a Sender whose requests go through guard (nil: the
// default policy). Redirects are not followed: the guard checked the URL
// the team gave, not where a receiver would send the request on.
func NewSender(guard *outbound.Guard) *Sender {
	if guard == nil {
		guard = outbound.Default()
	}
	return &Sender{
		guard: guard,
		client: &http.Client{
			Transport: guard.Transport(),
			Timeout:   DefaultTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		Hold:      4 * time.Hour,
		UserAgent: "depc",
	}
}

// Send sends d to its receiver at now. The error is a *SendError.
func (s *Sender) Send(ctx context.Context, d depc.ClaimedDelivery, now time.Time) error {
	var body []byte
	var target string
	header := http.Header{"Content-Type": {"application/json"}, "User-Agent": {s.UserAgent},
		DeliveryHeader: {strconv.FormatInt(d.ID, 10)}}
	switch d.Receiver.Type {
	case depc.ReceiverAlertmanager:
		u, err := amURL(d.Receiver.URL)
		if err != nil {
			return &SendError{Msg: err.Error(), Permanent: true}
		}
		target = u
		body, _ = json.Marshal([]AMAlert{s.amAlert(d, now)})
	case depc.ReceiverWebhook:
		target = d.Receiver.URL
		body, _ = json.Marshal(webhookBody(d, now))
		header.Set(SignatureHeader, Sign(d.Receiver.Secret, now, body))
	default:
		return &SendError{Msg: fmt.Sprintf("receiver type %q is not known", d.Receiver.Type), Permanent: true}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return &SendError{Msg: "url: " + err.Error(), Permanent: true}
	}
	req.Header = header
	resp, err := s.client.Do(req)
	if err != nil {
		if r, ok := outbound.Refused(err); ok {
			return &SendError{Msg: r.Error(), Permanent: true}
		}
		return &SendError{Msg: "request failed: " + transportError(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil
	}
	// What the receiver said goes to the server log only: the API shows
	// a delivery's error to the team, and the URL is the team's choice.
	b, _ := io.ReadAll(io.LimitReader(resp.Body, outbound.MaxLoggedBody+1))
	s.guard.LogAnswer("alert receiver "+d.Team+"/"+d.Receiver.Name, resp.StatusCode, string(b))
	msg := "HTTP " + resp.Status
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return &SendError{Msg: msg + " (redirects are not followed: give the final URL)", Permanent: true}
	case resp.StatusCode >= 400 && resp.StatusCode < 500 &&
		resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooEarly && resp.StatusCode != http.StatusTooManyRequests:
		return &SendError{Msg: msg, Permanent: true}
	}
	return &SendError{Msg: msg}
}

// transportError is a transport error without the request's URL, which
// url.Error repeats and the delivery already names.
func transportError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	return err.Error()
}

// amURL is the v2 alerts endpoint under an Alertmanager's base URL.
func amURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("url: %v", err)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/api/v2/alerts"
	u.RawPath = ""
	return u.String(), nil
}

// amAlert is d's alert for Alertmanager. A firing alert ends Hold after
// now unless sent again (a refresh); a resolved one ended when it
// resolved.
func (s *Sender) amAlert(d depc.ClaimedDelivery, now time.Time) AMAlert {
	a := d.Alert
	out := AMAlert{Labels: a.Labels, Annotations: a.Annotations, StartsAt: time.Unix(a.StartsAt, 0).UTC()}
	if a.Firing {
		out.EndsAt = now.Add(s.Hold).UTC()
	} else {
		out.EndsAt = time.Unix(a.EndsAt, 0).UTC()
	}
	if s.ExternalURL != "" {
		out.GeneratorURL = nodeURL(s.ExternalURL, d.Team, a.Labels["label"], a.Labels["node"])
	}
	return out
}

// nodeURL is the UI page of a node.
func nodeURL(base, team, label, name string) string {
	// As the UI writes it (ui/src/router.tsx urls.node): each part one
	// path segment, a "/" in a name escaped.
	seg := func(s string) string { return url.PathEscape(s) }
	return strings.TrimSuffix(base, "/") + "/t/" + seg(team) + "/labels/" + seg(label) + "/nodes/" + seg(name)
}

func webhookBody(d depc.ClaimedDelivery, now time.Time) Webhook {
	a := d.Alert
	w := Webhook{Version: "1", Delivery: d.ID, Team: d.Team, Receiver: d.Receiver.Name, Status: StatusFiring,
		Alert:  WebhookAlert{ID: a.ID, Seq: a.Seq, Labels: a.Labels, Annotations: a.Annotations, StartsAt: time.Unix(a.StartsAt, 0).UTC()},
		SentAt: now.UTC()}
	if !a.Firing {
		w.Status = StatusResolved
		end := time.Unix(a.EndsAt, 0).UTC()
		w.Alert.EndsAt = &end
	}
	return w
}
