package api

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/depc-dev/depc"
)

// SecretMask replaces every secret of a source configuration in answers:
// the values at the SecretKeys of the source's plugin (for Prometheus
// bearer_token, basic_auth.password and every value of headers, which often
// carry an API key). A PUT that sends the mask back for one of them keeps
// the stored value, so a client can edit a source it read without knowing
// its secrets.
const SecretMask = "********"

var maskJSON = json.RawMessage(strconv.Quote(SecretMask))

// isMask reports whether a JSON value is the string SecretMask.
func isMask(v json.RawMessage) bool {
	var s string
	return json.Unmarshal(v, &s) == nil && s == SecretMask
}

// maskSource returns sc with its secrets replaced by SecretMask. Empty
// secrets stay empty, so that a reader sees there is none. The
// configuration of a plugin this server does not know shows as {}: which of
// its values are secrets cannot be told.
func (s *Server) maskSource(sc depc.SourceConfig) depc.SourceConfig {
	if sc.Plugin == depc.PluginShared {
		return sc // a grant holds no secret: the catalog entry does
	}
	p, ok := s.deps.Plugins.Lookup(sc.Plugin)
	if !ok {
		sc.Configuration = json.RawMessage("{}")
		return sc
	}
	masked, err := p.MapSecrets(sc.Configuration, func(_ string, v json.RawMessage) (json.RawMessage, error) {
		var str string
		if json.Unmarshal(v, &str) == nil && str == "" {
			return nil, nil
		}
		return maskJSON, nil
	})
	if err != nil {
		// MapSecrets fails only when fn or encoding does; never here.
		// Show nothing rather than a secret.
		masked = json.RawMessage("{}")
	}
	sc.Configuration = masked
	return sc
}

func (s *Server) maskSources(scs []depc.SourceConfig) []depc.SourceConfig {
	out := make([]depc.SourceConfig, len(scs))
	for i, sc := range scs {
		out[i] = s.maskSource(sc)
	}
	return out
}

// unmaskSource returns the configuration a client sent with the stored
// value put back for every secret sent as SecretMask. stored is nil on
// create: a mask there is an error, as is one for a secret that is not
// stored, or stored for another plugin (whose answers may not mask it), or
// when the source now connects elsewhere (its plugin's TargetKeys
// changed): a stored credential never follows a new address.
func (s *Server) unmaskSource(sc depc.SourceConfig, stored *depc.SourceConfig) (json.RawMessage, error) {
	p, ok := s.deps.Plugins.Lookup(sc.Plugin)
	if !ok {
		return sc.Configuration, nil // refused for its plugin
	}
	old := map[string]json.RawMessage{}
	if stored != nil && stored.Plugin == sc.Plugin {
		_, _ = p.MapSecrets(stored.Configuration, func(path string, v json.RawMessage) (json.RawMessage, error) {
			old[path] = v
			return nil, nil
		})
	}
	moved := stored != nil && stored.Plugin == sc.Plugin && !p.SameTarget(stored.Configuration, sc.Configuration)
	return p.MapSecrets(sc.Configuration, func(path string, v json.RawMessage) (json.RawMessage, error) {
		if !isMask(v) {
			return nil, nil
		}
		prev, ok := old[path]
		if !ok || isMask(prev) {
			return nil, depc.Errorf(depc.EINVALID, "%s: %q is the mask shown in place of a secret; send the secret itself (no value is stored to keep)", path, SecretMask)
		}
		if moved {
			return nil, depc.Errorf(depc.EINVALID, "%s: %q keeps the stored secret only while %s is unchanged; send the secret again for the new address", path, SecretMask, targetFields(p))
		}
		return prev, nil
	})
}

// targetFields names a plugin's TargetKeys as fields of a request.
func targetFields(p depc.SourcePlugin) string {
	fields := make([]string, len(p.TargetKeys))
	for i, k := range p.TargetKeys {
		fields[i] = "configuration." + k
	}
	return strings.Join(fields, " and ")
}
