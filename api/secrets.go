package api

import (
	"encoding/json"
	"maps"
	"slices"
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

// jsonObject decodes raw as an object, keeping its values raw.
func jsonObject(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	if len(raw) == 0 {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// walkSecrets decodes a configuration, lets fn change the values at the
// secret keys (dotted paths, "*" for every key of an object; fn returns the
// new value, or nil to keep it) and encodes it again. fn sees each secret's
// place, "configuration.basic_auth.password", for messages. What is not a
// JSON object holds no secret, and a configuration fn does not change is
// returned as it is.
func walkSecrets(raw json.RawMessage, keys []string, fn func(path string, value json.RawMessage) (json.RawMessage, error)) (json.RawMessage, error) {
	conf, ok := jsonObject(raw)
	if !ok {
		return raw, nil
	}
	changed := false
	for _, k := range keys {
		c, err := walkPath(conf, strings.Split(k, "."), "configuration", fn)
		if err != nil {
			return raw, err
		}
		changed = changed || c
	}
	if !changed {
		return raw, nil
	}
	return json.Marshal(conf)
}

// walkPath applies fn at the path's place under obj, re-encoding the
// nested objects it changed, and reports whether it changed obj.
func walkPath(obj map[string]json.RawMessage, path []string, prefix string, fn func(string, json.RawMessage) (json.RawMessage, error)) (bool, error) {
	names := []string{path[0]}
	if path[0] == "*" {
		// Sorted, so that the first error reported does not depend on
		// map order.
		names = slices.Sorted(maps.Keys(obj))
	}
	changed := false
	for _, name := range names {
		v, ok := obj[name]
		if !ok {
			continue
		}
		place := prefix + "." + name
		if len(path) == 1 {
			nv, err := fn(place, v)
			if err != nil {
				return false, err
			}
			if nv != nil {
				obj[name], changed = nv, true
			}
			continue
		}
		child, ok := jsonObject(v)
		if !ok {
			continue
		}
		c, err := walkPath(child, path[1:], place, fn)
		if err != nil {
			return false, err
		}
		if c {
			b, err := json.Marshal(child)
			if err != nil {
				return false, err
			}
			obj[name], changed = b, true
		}
	}
	return changed, nil
}

// maskSource returns sc with its secrets replaced by SecretMask. Empty
// secrets stay empty, so that a reader sees there is none. The
// configuration of a plugin this server does not know shows as {}: which of
// its values are secrets cannot be told.
func (s *Server) maskSource(sc depc.SourceConfig) depc.SourceConfig {
	p, ok := s.deps.Plugins.Lookup(sc.Plugin)
	if !ok {
		sc.Configuration = json.RawMessage("{}")
		return sc
	}
	masked, err := walkSecrets(sc.Configuration, p.SecretKeys, func(_ string, v json.RawMessage) (json.RawMessage, error) {
		var str string
		if json.Unmarshal(v, &str) == nil && str == "" {
			return nil, nil
		}
		return maskJSON, nil
	})
	if err != nil {
		// walkSecrets fails only when fn or encoding does; never here.
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
// stored, or stored for another plugin (whose answers may not mask it).
func (s *Server) unmaskSource(sc depc.SourceConfig, stored *depc.SourceConfig) (json.RawMessage, error) {
	p, ok := s.deps.Plugins.Lookup(sc.Plugin)
	if !ok {
		return sc.Configuration, nil // refused for its plugin
	}
	old := map[string]json.RawMessage{}
	if stored != nil && stored.Plugin == sc.Plugin {
		_, _ = walkSecrets(stored.Configuration, p.SecretKeys, func(path string, v json.RawMessage) (json.RawMessage, error) {
			old[path] = v
			return nil, nil
		})
	}
	return walkSecrets(sc.Configuration, p.SecretKeys, func(path string, v json.RawMessage) (json.RawMessage, error) {
		if !isMask(v) {
			return nil, nil
		}
		if prev, ok := old[path]; ok && !isMask(prev) {
			return prev, nil
		}
		return nil, depc.Errorf(depc.EINVALID, "%s: %q is the mask shown in place of a secret; send the secret itself (no value is stored to keep)", path, SecretMask)
	})
}
