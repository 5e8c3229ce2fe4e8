package depc

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// objectOf decodes raw as an object, keeping its values raw.
func objectOf(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	if len(raw) == 0 {
		return nil, false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// MapSecrets decodes a configuration of the plugin, lets fn change the
// values at its SecretKeys (fn returns the new value, or nil to keep it)
// and encodes it again. fn sees each secret's place,
// "configuration.basic_auth.password", for messages. What is not a JSON
// object holds no secret, and a configuration fn does not change is
// returned as it is. The API masks secrets with it, and the state wiring
// seals them.
func (p SourcePlugin) MapSecrets(raw json.RawMessage, fn func(path string, value json.RawMessage) (json.RawMessage, error)) (json.RawMessage, error) {
	keys := p.SecretKeys
	conf, ok := objectOf(raw)
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
		child, ok := objectOf(v)
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

// SameTarget reports whether two configurations of the plugin connect to
// the same place: equal values (as JSON) at each of its TargetKeys. A
// configuration that is not a JSON object has no target.
func (p SourcePlugin) SameTarget(a, b json.RawMessage) bool {
	ca, _ := objectOf(a)
	cb, _ := objectOf(b)
	for _, k := range p.TargetKeys {
		va, vb := valueAt(ca, k), valueAt(cb, k)
		if !jsonEqual(va, vb) {
			return false
		}
	}
	return true
}

// valueAt returns the value at a dotted path, nil when absent.
func valueAt(obj map[string]json.RawMessage, path string) json.RawMessage {
	parts := strings.Split(path, ".")
	for i, k := range parts {
		v, ok := obj[k]
		if !ok {
			return nil
		}
		if i == len(parts)-1 {
			return v
		}
		if obj, ok = objectOf(v); !ok {
			return nil
		}
	}
	return nil
}

// jsonEqual compares two JSON values, whatever their spacing; absent
// (nil) equals null.
func jsonEqual(a, b json.RawMessage) bool {
	norm := func(v json.RawMessage) string {
		if absentJSON(v) {
			return "null"
		}
		var x any
		if json.Unmarshal(v, &x) != nil {
			return string(v)
		}
		out, _ := json.Marshal(x)
		return string(out)
	}
	return norm(a) == norm(b)
}
