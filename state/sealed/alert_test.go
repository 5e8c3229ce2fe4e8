package sealed_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/plugins"
	"github.com/depc-dev/depc/state/sealed"
)

// TestReceiverSecretsAtRest: a webhook's secret is sealed in the store
// and opened when read or claimed; a row from before sealing loads and is
// sealed by Reseal; the wrong key is a clear error.
func TestReceiverSecretsAtRest(t *testing.T) {
	dir := t.TempDir()
	raw := openSQLite(t, dir)
	defer raw.Close()
	key := sealed.NewKey()
	st := sealed.Wrap(raw, keyring(t, key), plugins.All())
	if _, err := st.CreateTeam(ctx, depc.Team{Name: "acme"}); err != nil {
		t.Fatal(err)
	}
	hook := depc.AlertReceiver{Name: "hook", Type: depc.ReceiverWebhook, URL: "https://hooks.example.com/", Secret: "hmac-key-DDDD-0123456789"}
	if got, err := st.SetAlertReceiver(ctx, "acme", hook); err != nil || got != hook {
		t.Fatalf("SetAlertReceiver = %+v, %v", got, err)
	}
	if got, err := st.AlertReceiver(ctx, "acme", "hook"); err != nil || got != hook {
		t.Errorf("AlertReceiver = %+v, %v", got, err)
	}
	if got, err := st.AlertReceivers(ctx, "acme"); err != nil || len(got) != 1 || got[0] != hook {
		t.Errorf("AlertReceivers = %+v, %v", got, err)
	}
	stored, err := raw.AlertReceiver(ctx, "acme", "hook")
	if err != nil || !strings.HasPrefix(stored.Secret, sealed.Prefix) {
		t.Errorf("stored secret %q, %v: want it sealed", stored.Secret, err)
	}
	noPlainSecret(t, dir, "hmac-key-DDDD")

	a := depc.Alert{ID: "x", Seq: 1, Firing: true, StartsAt: 1}
	if _, err := st.ChangeAlert(ctx, "acme", a, []string{"hook"}); err != nil {
		t.Fatal(err)
	}
	cs, err := st.ClaimAlertDeliveries(ctx, "d", 1<<40, 60, 10)
	if err != nil || len(cs) != 1 || cs[0].Receiver != hook {
		t.Errorf("ClaimAlertDeliveries = %+v, %v; want the receiver with its secret opened", cs, err)
	}

	// Too short a secret is refused before sealing makes it long; so is
	// one that looks sealed.
	for _, bad := range []string{"short", sealed.Prefix + "x:yyyyyyyyyyyyyyyy"} {
		h := hook
		h.Secret = bad
		if _, err := st.SetAlertReceiver(ctx, "acme", h); depc.ErrorCode(err) != depc.EINVALID {
			t.Errorf("SetAlertReceiver(secret %q): %v, want EINVALID", bad, err)
		}
	}

	// A row from before sealing.
	legacy := depc.AlertReceiver{Name: "old", Type: depc.ReceiverWebhook, URL: "https://old.example.com/", Secret: "old-EEEE-0123456789"}
	if _, err := raw.SetAlertReceiver(ctx, "acme", legacy); err != nil {
		t.Fatal(err)
	}
	if got, err := st.AlertReceiver(ctx, "acme", "old"); err != nil || got != legacy {
		t.Errorf("AlertReceiver(legacy) = %+v, %v", got, err)
	}
	rep, err := st.Reseal(ctx, false)
	if err != nil || rep.Receivers != 2 || rep.ReceiversResealed != 1 || rep.Plain != 1 {
		t.Errorf("Reseal = %+v, %v; want 2 receivers, 1 resealed with 1 secret in clear", rep, err)
	}
	if stored, _ := raw.AlertReceiver(ctx, "acme", "old"); !strings.HasPrefix(stored.Secret, sealed.Prefix) {
		t.Errorf("after Reseal the store holds %q", stored.Secret)
	}

	wrong := sealed.Wrap(raw, keyring(t, sealed.NewKey()), plugins.All())
	if _, err := wrong.AlertReceiver(ctx, "acme", "hook"); !errors.Is(err, sealed.ErrUnknownKey) || !strings.Contains(depc.ErrorMessage(err), "DEPC_SECRET_KEY") {
		t.Errorf("AlertReceiver with the wrong key: %v", err)
	}
	if _, err := wrong.Reseal(ctx, true); !errors.Is(err, sealed.ErrUnknownKey) {
		t.Errorf("Reseal with the wrong key: %v", err)
	}
}
