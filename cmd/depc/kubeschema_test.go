package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The JSON schemas that deploy/kubernetes is validated against
// (TestDeployKubernetes) live in testdata/kubernetes-schemas, since tests
// cannot download them. They are generated from the OpenAPI document of
// Kubernetes that the Go module k8s.io/kubernetes ships, the way
// openapi2jsonschema builds kubeconform's default schemas ("standalone",
// "strict"): references inlined, every object with properties closed
// (additionalProperties: false, so a misspelt field fails), int-or-string
// and quantities accepting numbers, apiVersion and kind pinned. Descriptions
// are dropped: they validate nothing. To regenerate, for another Kubernetes
// version or a kind added to kubernetesKinds:
//
//	(cd /tmp && go mod download -json k8s.io/kubernetes@v1.37.2)
//	go test ./cmd/depc -run TestKubernetesSchemas \
//	  -k8s-openapi "$(go env GOMODCACHE)/k8s.io/kubernetes@v1.37.2/api/openapi-spec/swagger.json"
var k8sOpenAPI = flag.String("k8s-openapi", "", "regenerate testdata/kubernetes-schemas from this swagger.json of k8s.io/kubernetes")

const kubernetesSchemas = "testdata/kubernetes-schemas"

// kubernetesKinds are the kinds deploy/kubernetes holds, with their
// OpenAPI definitions.
var kubernetesKinds = []string{
	"io.k8s.api.apps.v1.Deployment",
	"io.k8s.api.core.v1.ConfigMap",
	"io.k8s.api.core.v1.Service",
	"io.k8s.api.policy.v1.PodDisruptionBudget",
}

// TestKubernetesSchemas regenerates the schemas with -k8s-openapi, and
// otherwise checks that every kind has its schema, closed to unknown
// fields.
func TestKubernetesSchemas(t *testing.T) {
	if *k8sOpenAPI != "" {
		if err := generateKubernetesSchemas(*k8sOpenAPI, kubernetesSchemas); err != nil {
			t.Fatal(err)
		}
	}
	for _, def := range kubernetesKinds {
		data, err := os.ReadFile(filepath.Join(kubernetesSchemas, schemaFileName(def)))
		if err != nil {
			t.Errorf("%s: %v (regenerate with -k8s-openapi)", def, err)
			continue
		}
		var s map[string]any
		if err := json.Unmarshal(data, &s); err != nil {
			t.Errorf("%s: %v", def, err)
			continue
		}
		if s["additionalProperties"] != false {
			t.Errorf("%s: the schema accepts unknown fields", def)
		}
	}
	version, err := os.ReadFile(filepath.Join(kubernetesSchemas, "VERSION"))
	if err != nil || !strings.HasPrefix(string(version), "Kubernetes v") {
		t.Errorf("%s/VERSION: %q, %v; want the Kubernetes version of the schemas", kubernetesSchemas, version, err)
	}
}

// schemaFileName is the name kubeconform looks for: the kind in lower case,
// the API group's first label and the version ("deployment-apps-v1.json",
// "service-v1.json").
func schemaFileName(def string) string {
	parts := strings.Split(def, ".") // io.k8s.api.<group>.<version>.<Kind>
	kind, version, group := parts[len(parts)-1], parts[len(parts)-2], parts[len(parts)-3]
	name := strings.ToLower(kind)
	if group != "core" {
		name += "-" + group
	}
	return name + "-" + version + ".json"
}

func generateKubernetesSchemas(swaggerPath, dir string) error {
	data, err := os.ReadFile(swaggerPath)
	if err != nil {
		return err
	}
	var doc struct {
		Definitions map[string]map[string]any `json:"definitions"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %w", swaggerPath, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, def := range kubernetesKinds {
		d, ok := doc.Definitions[def]
		if !ok {
			return fmt.Errorf("%s: no definition %s", swaggerPath, def)
		}
		s := standaloneSchema(doc.Definitions, d, map[string]bool{def: true})
		// apiVersion and kind take the one value of this definition.
		gvks, _ := d["x-kubernetes-group-version-kind"].([]any)
		if len(gvks) != 1 {
			return fmt.Errorf("%s: %d group-version-kinds, want 1", def, len(gvks))
		}
		gvk := gvks[0].(map[string]any)
		apiVersion := gvk["version"].(string)
		if g := gvk["group"].(string); g != "" {
			apiVersion = g + "/" + apiVersion
		}
		props := s["properties"].(map[string]any)
		props["apiVersion"] = map[string]any{"type": "string", "enum": []any{apiVersion}}
		props["kind"] = map[string]any{"type": "string", "enum": []any{gvk["kind"]}}
		s["required"] = appendMissing(s["required"], "apiVersion", "kind")
		s["$schema"] = "http://json-schema.org/schema#"
		out, err := json.MarshalIndent(s, "", " ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, schemaFileName(def)), append(out, '\n'), 0o644); err != nil {
			return err
		}
	}
	version := "unknown"
	if m := regexp.MustCompile(`k8s\.io/kubernetes@(v[^/]+)`).FindStringSubmatch(filepath.ToSlash(swaggerPath)); m != nil {
		version = m[1]
	}
	note := fmt.Sprintf("Kubernetes %s: generated from api/openapi-spec/swagger.json of k8s.io/kubernetes@%s by TestKubernetesSchemas (kubeschema_test.go).\n", version, version)
	return os.WriteFile(filepath.Join(dir, "VERSION"), []byte(note), 0o644)
}

// standaloneSchema returns schema s with its references inlined (a
// reference back to a definition being inlined accepts anything, which the
// kinds above never need), closed to unknown properties, without
// descriptions.
func standaloneSchema(defs map[string]map[string]any, s map[string]any, inlining map[string]bool) map[string]any {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/definitions/")
		switch {
		case name == "io.k8s.apimachinery.pkg.api.resource.Quantity":
			return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "number"}}}
		case inlining[name]:
			return map[string]any{}
		}
		inlining[name] = true
		defer delete(inlining, name)
		return standaloneSchema(defs, defs[name], inlining)
	}
	if s["format"] == "int-or-string" {
		return map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}}
	}
	out := map[string]any{}
	for k, v := range s {
		switch k {
		case "description", "x-kubernetes-group-version-kind":
		case "properties":
			props := map[string]any{}
			for name, p := range v.(map[string]any) {
				props[name] = standaloneSchema(defs, p.(map[string]any), inlining)
			}
			out[k] = props
		case "items":
			out[k] = standaloneSchema(defs, v.(map[string]any), inlining)
		case "additionalProperties":
			if m, ok := v.(map[string]any); ok {
				out[k] = standaloneSchema(defs, m, inlining)
			} else {
				out[k] = v
			}
		case "allOf", "anyOf", "oneOf":
			var list []any
			for _, e := range v.([]any) {
				list = append(list, standaloneSchema(defs, e.(map[string]any), inlining))
			}
			out[k] = list
		default:
			out[k] = v
		}
	}
	if _, ok := out["properties"]; ok {
		if _, set := out["additionalProperties"]; !set {
			out["additionalProperties"] = false
		}
	}
	return out
}

func appendMissing(list any, names ...string) []any {
	l, _ := list.([]any)
	for _, n := range names {
		found := false
		for _, e := range l {
			found = found || e == n
		}
		if !found {
			l = append(l, n)
		}
	}
	sort.Slice(l, func(i, j int) bool { return l[i].(string) < l[j].(string) })
	return l
}
