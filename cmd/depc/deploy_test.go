package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/yannh/kubeconform/pkg/resource"
	"github.com/yannh/kubeconform/pkg/validator"
	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// The deployment files of deploy/ are tested here, next to the
// configuration they set, so that they cannot drift from it: every DEPC_
// variable they set is a setting of Config, and what they set loads into a
// valid configuration. No container engine or cluster is needed: the
// Kubernetes base is rendered with kustomize and validated against the
// Kubernetes schemas with kubeconform, the compose file is loaded with
// compose-go (the loader of `docker compose`), the Dockerfile is read line
// by line.

const deployDir = "../../deploy"

// settingVariables returns the environment variable of every setting
// (DEPC_GRAPH_NEO4J_URI …).
func settingVariables(t *testing.T) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	var cfg Config
	if err := walkSettings(reflect.ValueOf(&cfg).Elem(), "DEPC", func(name string, _ reflect.Value) error {
		vars[name] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !vars["DEPC_STATE_POSTGRES_URL"] || !vars["DEPC_ADDR"] {
		t.Fatalf("settingVariables lacks DEPC_ADDR or DEPC_STATE_POSTGRES_URL: %v", vars)
	}
	return vars
}

// checkDepcEnvironment holds a depc process's environment (name → value)
// to the configuration: only settings' variables, loading into a valid
// configuration of the shared stores.
func checkDepcEnvironment(t *testing.T, where string, env map[string]string) Config {
	t.Helper()
	settings := settingVariables(t)
	var environ []string
	for name, value := range env {
		if !settings[name] {
			t.Errorf("%s: %s is not a depc setting (cmd/depc/config.go)", where, name)
		}
		environ = append(environ, name+"="+value)
	}
	cfg, err := LoadConfig("", environ)
	if err != nil {
		t.Errorf("%s: the configuration does not load: %v", where, err)
	}
	if cfg.State.Backend != "postgres" || cfg.Graph.Backend != "neo4j" {
		t.Errorf("%s: state %q and graph %q, want postgres and neo4j, which several processes share", where, cfg.State.Backend, cfg.Graph.Backend)
	}
	if !strings.HasPrefix(cfg.Addr, "0.0.0.0:") {
		t.Errorf("%s: addr %q, want 0.0.0.0:<port>, reachable from outside the container", where, cfg.Addr)
	}
	if cfg.SecretKey == "" {
		t.Errorf("%s: no DEPC_SECRET_KEY: each process would seal the sources' secrets with a key file of its own", where)
	}
	return cfg
}

// exampleSecrets are values of the right shape for what deployment files
// take from a secret store (the keys of the Kubernetes Secret depc, the
// variables of deploy/compose/.env), so that the configuration they make
// can be loaded; the test fails on a secret it has no example for.
var exampleSecrets = map[string]string{
	// Kubernetes Secret depc.
	"postgres-url":   "postgres://depc:example-postgres-password@postgres:5432/depc?sslmode=verify-full",
	"neo4j-password": "example-neo4j-password",
	"admin-token":    "example-admin-token-of-32-characters-at-least",
	"secret-key":     "ZXhhbXBsZS1zZWNyZXQta2V5LW9mLTMyLWJ5dGVzISE=",
	"metrics-token":  "example-metrics-token",
	// deploy/compose/.env.
	"POSTGRES_PASSWORD": "example-postgres-password",
	"NEO4J_PASSWORD":    "example-neo4j-password",
	"DEPC_ADMIN_TOKEN":  "example-admin-token-of-32-characters-at-least",
	"DEPC_SECRET_KEY":   "ZXhhbXBsZS1zZWNyZXQta2V5LW9mLTMyLWJ5dGVzISE=",
}

// exampleSecret returns the example value of a secret.
func exampleSecret(t *testing.T, where, name string) string {
	t.Helper()
	v, ok := exampleSecrets[name]
	if !ok {
		t.Errorf("%s: secret %s: add an example value to exampleSecrets", where, name)
	}
	return v
}

// fromSecrets reports whether v holds one of the example secrets: a value
// that came from the secret store, not from the file.
func fromSecrets(v string) bool {
	for _, s := range exampleSecrets {
		if strings.Contains(v, s) {
			return true
		}
	}
	return false
}

// isSecretSetting says whether a setting holds a secret, which deployment
// files may only reference.
func isSecretSetting(name string) bool {
	for _, s := range []string{"PASSWORD", "TOKEN", "SECRET", "POSTGRES_URL"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// ---- Kubernetes ----

// k8sObject is the part of a rendered Kubernetes object the test reads.
type k8sObject struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Data map[string]string `json:"data"`
	Spec struct {
		Replicas *int `json:"replicas"`
		Selector struct {
			MatchLabels map[string]string `json:"matchLabels"`
		} `json:"selector"`
		Strategy struct {
			Type string `json:"type"`
		} `json:"strategy"`
		Template struct {
			Metadata struct {
				Labels map[string]string `json:"labels"`
			} `json:"metadata"`
			Spec k8sPodSpec `json:"spec"`
		} `json:"template"`
		// A Service's selector is a plain map.
		ServiceSelector map[string]string `json:"-"`
		Ports           []struct {
			TargetPort any `json:"targetPort"`
		} `json:"ports"`
	} `json:"spec"`
	raw []byte
}

type k8sPodSpec struct {
	AutomountServiceAccountToken *bool `json:"automountServiceAccountToken"`
	SecurityContext              struct {
		RunAsNonRoot *bool `json:"runAsNonRoot"`
		RunAsUser    *int  `json:"runAsUser"`
	} `json:"securityContext"`
	Containers []k8sContainer `json:"containers"`
	Volumes    []struct {
		Name     string `json:"name"`
		EmptyDir any    `json:"emptyDir"`
	} `json:"volumes"`
}

type k8sContainer struct {
	Name  string   `json:"name"`
	Image string   `json:"image"`
	Args  []string `json:"args"`
	Ports []struct {
		Name          string `json:"name"`
		ContainerPort int    `json:"containerPort"`
	} `json:"ports"`
	EnvFrom []struct {
		ConfigMapRef *struct {
			Name string `json:"name"`
		} `json:"configMapRef"`
		SecretRef any `json:"secretRef"`
	} `json:"envFrom"`
	Env []struct {
		Name      string `json:"name"`
		Value     string `json:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name     string `json:"name"`
				Key      string `json:"key"`
				Optional bool   `json:"optional"`
			} `json:"secretKeyRef"`
		} `json:"valueFrom"`
	} `json:"env"`
	LivenessProbe, ReadinessProbe, StartupProbe *struct {
		HTTPGet *struct {
			Path string `json:"path"`
			Port any    `json:"port"`
		} `json:"httpGet"`
	}
	Resources struct {
		Requests map[string]string `json:"requests"`
		Limits   map[string]string `json:"limits"`
	} `json:"resources"`
	SecurityContext struct {
		AllowPrivilegeEscalation *bool `json:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool `json:"readOnlyRootFilesystem"`
		Capabilities             struct {
			Drop []string `json:"drop"`
		} `json:"capabilities"`
	} `json:"securityContext"`
	VolumeMounts []struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
	} `json:"volumeMounts"`
}

// renderKubernetes builds the kustomization of deploy/kubernetes as
// `kubectl apply -k` would.
func renderKubernetes(t *testing.T) []k8sObject {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join(deployDir, "kubernetes"))
	if err != nil {
		t.Fatalf("kustomize build deploy/kubernetes: %v", err)
	}
	var objs []k8sObject
	for _, r := range m.Resources() {
		j, err := r.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var o k8sObject
		if err := json.Unmarshal(j, &o); err != nil {
			t.Fatalf("%s: %v", r.CurId(), err)
		}
		if o.Kind == "Service" {
			var s struct {
				Spec struct {
					Selector map[string]string `json:"selector"`
				} `json:"spec"`
			}
			_ = json.Unmarshal(j, &s)
			o.Spec.ServiceSelector = s.Spec.Selector
		}
		if o.raw, err = r.AsYAML(); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	return objs
}

// kubernetesValidator validates objects against testdata/kubernetes-schemas.
func kubernetesValidator(t *testing.T) validator.Validator {
	t.Helper()
	dir, err := filepath.Abs(kubernetesSchemas)
	if err != nil {
		t.Fatal(err)
	}
	v, err := validator.New([]string{filepath.Join(dir, "{{ .ResourceKind }}{{ .KindSuffix }}.json")}, validator.Opts{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func validate(v validator.Validator, name string, yaml []byte) validator.Result {
	return v.ValidateResource(resource.Resource{Path: name, Bytes: yaml})
}

// TestKubernetesValidatorCatchesMistakes: the schemas are strict, so the
// validation below means something: a misspelt field, a wrong type and a
// missing required field are refused.
func TestKubernetesValidatorCatchesMistakes(t *testing.T) {
	v := kubernetesValidator(t)
	good := `apiVersion: apps/v1
kind: Deployment
metadata: {name: x}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers: [{name: x, image: x, resources: {limits: {memory: 1Gi, cpu: 1}}, ports: [{containerPort: 8080}]}]
`
	if r := validate(v, "good", []byte(good)); r.Status != validator.Valid {
		t.Fatalf("a valid Deployment: status %d, %v %v", r.Status, r.Err, r.ValidationErrors)
	}
	for _, bad := range []struct{ name, from, to string }{
		{"misspelt field", "selector:", "selectr:"},
		{"unknown container field", "image: x,", "image: x, imagePullPolice: Always,"},
		{"wrong type", "containerPort: 8080", "containerPort: http"},
		{"missing required", "{name: x, image: x,", "{image: x,"},
		{"wrong kind for the version", "kind: Deployment", "kind: Deploymnt"},
	} {
		doc := strings.Replace(good, bad.from, bad.to, 1)
		if doc == good {
			t.Fatalf("%s: %q not found", bad.name, bad.from)
		}
		if r := validate(v, bad.name, []byte(doc)); r.Status == validator.Valid {
			t.Errorf("%s: accepted", bad.name)
		}
	}
}

// TestDeployKubernetes renders deploy/kubernetes, validates every object
// against the Kubernetes schemas, and holds the Deployments to what depc
// needs: a real command, settings that exist and load, secrets by
// reference, probes on /healthz and /readyz, resources, a non-root
// read-only container, and a Service and disruption budgets that select
// them.
func TestDeployKubernetes(t *testing.T) {
	objs := renderKubernetes(t)
	v := kubernetesValidator(t)
	kinds := map[string][]string{}
	configMaps := map[string]map[string]string{}
	for _, o := range objs {
		kinds[o.Kind] = append(kinds[o.Kind], o.Metadata.Name)
		name := o.Kind + " " + o.Metadata.Name
		if r := validate(v, name, o.raw); r.Status != validator.Valid {
			t.Errorf("%s does not validate: %v %v\n%s", name, r.Err, r.ValidationErrors, o.raw)
		}
		if o.Kind == "ConfigMap" {
			configMaps[o.Metadata.Name] = o.Data
		}
		if o.Metadata.Labels["app.kubernetes.io/part-of"] != "depc" {
			t.Errorf("%s: no label app.kubernetes.io/part-of=depc", name)
		}
	}
	for kind, want := range map[string][]string{
		"Deployment":          {"depc-api", "depc-consume", "depc-schedule"},
		"Service":             {"depc-api"},
		"PodDisruptionBudget": {"depc-api", "depc-consume", "depc-schedule"},
	} {
		got := kinds[kind]
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%ss: %v, want %v", kind, got, want)
		}
	}
	if len(kinds["Secret"]) > 0 {
		t.Errorf("the base holds Secrets %v: it must only reference them", kinds["Secret"])
	}
	if len(kinds["ConfigMap"]) != 1 {
		t.Errorf("ConfigMaps: %v, want the one generated from config.env", kinds["ConfigMap"])
	}

	deployments := map[string]k8sObject{}
	secretKeys := map[string]bool{} // the keys of the Secret depc referenced
	for _, o := range objs {
		if o.Kind != "Deployment" {
			continue
		}
		deployments[o.Metadata.Name] = o
		checkDeployment(t, o, configMaps, secretKeys)
	}
	// docs/deploy.md shows how to create the Secret with every key.
	doc, err := os.ReadFile("../../docs/deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	for key := range secretKeys {
		if !strings.Contains(string(doc), "--from-literal="+key+"=") {
			t.Errorf("docs/deploy.md does not create the Secret's key %s (--from-literal=%s=…)", key, key)
		}
	}
	// No single pod whose loss stops a part.
	for name, d := range deployments {
		if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
			t.Errorf("%s: replicas %v, want at least 2", name, d.Spec.Replicas)
		}
	}

	// What selects pods selects those of one Deployment, and all of them.
	selects := func(selector map[string]string) []string {
		var names []string
		for name, d := range deployments {
			match := len(selector) > 0
			for k, v := range selector {
				match = match && d.Spec.Template.Metadata.Labels[k] == v
			}
			if match {
				names = append(names, name)
			}
		}
		return names
	}
	for _, o := range objs {
		var sel map[string]string
		switch o.Kind {
		case "Service":
			sel = o.Spec.ServiceSelector
			for _, p := range o.Spec.Ports {
				if p.TargetPort != "http" {
					t.Errorf("Service %s: targetPort %v, want the containers' port http", o.Metadata.Name, p.TargetPort)
				}
			}
		case "PodDisruptionBudget":
			sel = o.Spec.Selector.MatchLabels
		default:
			continue
		}
		if got := selects(sel); !slices.Equal(got, []string{o.Metadata.Name}) {
			t.Errorf("%s %s selects the pods of %v, want those of Deployment %s", o.Kind, o.Metadata.Name, got, o.Metadata.Name)
		}
	}
}

func checkDeployment(t *testing.T, d k8sObject, configMaps map[string]map[string]string, secretKeys map[string]bool) {
	t.Helper()
	name := "Deployment " + d.Metadata.Name
	pod := d.Spec.Template.Spec
	for k, v := range d.Spec.Selector.MatchLabels {
		if d.Spec.Template.Metadata.Labels[k] != v {
			t.Errorf("%s: the selector's %s=%s is not on its pods", name, k, v)
		}
	}
	if pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot || pod.SecurityContext.RunAsUser == nil || *pod.SecurityContext.RunAsUser == 0 {
		t.Errorf("%s: pods may run as root", name)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("%s: mounts a service account token depc never uses", name)
	}
	if len(pod.Containers) != 1 {
		t.Fatalf("%s: %d containers, want depc alone", name, len(pod.Containers))
	}
	c := pod.Containers[0]
	if len(c.Args) != 1 || "depc-"+c.Args[0] != d.Metadata.Name {
		t.Errorf("%s: args %q, want [%q]", name, c.Args, strings.TrimPrefix(d.Metadata.Name, "depc-"))
	} else if _, ok := commands[c.Args[0]]; !ok {
		t.Errorf("%s: %q is not a depc command", name, c.Args[0])
	}

	env := map[string]string{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			t.Errorf("%s: envFrom other than a ConfigMap", name)
			continue
		}
		data, ok := configMaps[from.ConfigMapRef.Name]
		if !ok {
			t.Errorf("%s: envFrom ConfigMap %s, which the base does not hold", name, from.ConfigMapRef.Name)
		}
		for k, v := range data {
			if isSecretSetting(k) {
				t.Errorf("%s: the secret %s is in a ConfigMap", name, k)
			}
			env[k] = v
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			if e.ValueFrom.SecretKeyRef.Name != "depc" {
				t.Errorf("%s: %s comes from Secret %q, want the Secret depc", name, e.Name, e.ValueFrom.SecretKeyRef.Name)
			}
			secretKeys[e.ValueFrom.SecretKeyRef.Key] = true
			if e.ValueFrom.SecretKeyRef.Optional {
				continue // not set unless the Secret has the key
			}
			env[e.Name] = exampleSecret(t, name, e.ValueFrom.SecretKeyRef.Key)
		case isSecretSetting(e.Name):
			t.Errorf("%s: the secret %s has a value in the manifest, want a secretKeyRef", name, e.Name)
		default:
			env[e.Name] = e.Value
		}
	}
	cfg := checkDepcEnvironment(t, name, env)
	for k, v := range env {
		if isSecretSetting(k) && !fromSecrets(v) {
			t.Errorf("%s: %s does not come from the Secret depc", name, k)
		}
	}
	if d.Metadata.Name == "depc-api" && env["DEPC_ADMIN_TOKEN"] == "" {
		t.Errorf("%s: no DEPC_ADMIN_TOKEN: each replica would make up its own", name)
	}

	_, port, _ := strings.Cut(cfg.Addr, ":")
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || port != "8080" || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("%s: ports %+v with addr %s, want http on the port of addr", name, c.Ports, cfg.Addr)
	}
	for _, p := range []struct {
		what  string
		probe *struct {
			HTTPGet *struct {
				Path string `json:"path"`
				Port any    `json:"port"`
			} `json:"httpGet"`
		}
		path string
	}{{"livenessProbe", c.LivenessProbe, "/healthz"}, {"readinessProbe", c.ReadinessProbe, "/readyz"}, {"startupProbe", c.StartupProbe, "/healthz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path || p.probe.HTTPGet.Port != "http" {
			t.Errorf("%s: %s must GET %s on port http", name, p.what, p.path)
		}
	}
	if c.Resources.Requests["cpu"] == "" || c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
		t.Errorf("%s: resources %+v, want cpu and memory requests and a memory limit", name, c.Resources)
	}
	sc := c.SecurityContext
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || !slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) {
		t.Errorf("%s: container security context %+v, want a read-only root, no privilege escalation, no capability", name, sc)
	}
	// The data directory is writable on a read-only root.
	mounted := false
	for _, m := range c.VolumeMounts {
		mounted = mounted || m.MountPath == cfg.DataDir
	}
	if !mounted {
		t.Errorf("%s: nothing mounted at data_dir %s", name, cfg.DataDir)
	}
}

// ---- Compose ----

var requiredVariable = regexp.MustCompile(`\$\{([A-Z0-9_]+):\?`)

// composeSecrets are values for the variables the compose file requires, as
// .env would give them.
func composeSecrets(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(deployDir, "compose", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{}
	for _, m := range requiredVariable.FindAllStringSubmatch(string(raw), -1) {
		secrets[m[1]] = exampleSecret(t, "compose.yaml", m[1])
	}
	return secrets
}

func loadCompose(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	var environ []string
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(deployDir, "compose", "compose.yaml")},
		cli.WithEnv(environ), cli.WithName("depc"))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

// TestDeployCompose loads deploy/compose as `docker compose` does and holds
// it to what depc needs: every part and store with a health check, depc
// processes waiting for healthy stores, settings that exist and load,
// secrets from the environment only, and a Prometheus that scrapes every
// depc process.
func TestDeployCompose(t *testing.T) {
	secrets := composeSecrets(t)
	for _, want := range []string{"POSTGRES_PASSWORD", "NEO4J_PASSWORD", "DEPC_ADMIN_TOKEN", "DEPC_SECRET_KEY"} {
		if secrets[want] == "" {
			t.Errorf("compose.yaml does not require %s from the environment", want)
		}
	}
	p, err := loadCompose(t, secrets)
	if err != nil {
		t.Fatalf("docker compose config: %v", err)
	}
	var names []string
	for name := range p.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	if want := []string{"api", "consume", "kafka", "neo4j", "postgres", "prometheus", "schedule"}; !slices.Equal(names, want) {
		t.Errorf("services %v, want %v", names, want)
	}
	for name, s := range p.Services {
		if s.HealthCheck == nil || s.HealthCheck.Disable || len(s.HealthCheck.Test) < 2 {
			t.Errorf("service %s: no health check", name)
		}
	}
	for _, name := range []string{"api", "consume", "schedule"} {
		s, ok := p.Services[name]
		if !ok {
			continue
		}
		where := "service " + name
		if len(s.Command) != 1 || s.Command[0] != name {
			t.Errorf("%s: command %q, want [%q]", where, s.Command, name)
		}
		if s.Build == nil || s.Build.Dockerfile != "deploy/Dockerfile" {
			t.Errorf("%s: not built from deploy/Dockerfile", where)
		} else if _, err := os.Stat(filepath.Join(s.Build.Context, s.Build.Dockerfile)); err != nil {
			t.Errorf("%s: build context %s: %v", where, s.Build.Context, err)
		}
		if hc := s.HealthCheck; hc != nil && (hc.Test[0] != "CMD" || !slices.Equal(hc.Test[1:], []string{"/usr/local/bin/depc", "healthcheck"})) {
			t.Errorf("%s: health check %q, want depc healthcheck", where, hc.Test)
		}
		if !s.ReadOnly {
			t.Errorf("%s: the root file system is writable", where)
		}
		stores := []string{"neo4j", "postgres"}
		if name == "consume" {
			stores = append(stores, "kafka")
		}
		for _, store := range stores {
			if dep, ok := s.DependsOn[store]; !ok || dep.Condition != types.ServiceConditionHealthy {
				t.Errorf("%s: does not wait for %s to be healthy", where, store)
			}
		}
		env := map[string]string{}
		for k, v := range s.Environment {
			if v == nil {
				t.Errorf("%s: %s has no value", where, k)
				continue
			}
			env[k] = *v
		}
		cfg := checkDepcEnvironment(t, where, env)
		for k, v := range env {
			if isSecretSetting(k) && !fromSecrets(v) {
				t.Errorf("%s: %s=%q is written in the file, want it from the environment (.env)", where, k, v)
			}
		}
		if cfg.Graph.Neo4j.Password != secrets["NEO4J_PASSWORD"] || !strings.Contains(cfg.State.Postgres.URL, ":"+secrets["POSTGRES_PASSWORD"]+"@postgres:") {
			t.Errorf("%s: depc does not use the stores' passwords", where)
		}
		if (name == "api") != (cfg.AdminToken != "") {
			t.Errorf("%s: admin token %q: the API, and only it, needs it", where, cfg.AdminToken)
		}
	}
	api, schedule := p.Services["api"], p.Services["schedule"]
	if r := api.GetScale(); r < 2 {
		t.Errorf("api: %d replicas, want 2", r)
	}
	if r := schedule.GetScale(); r < 1 {
		t.Errorf("schedule: %d replicas, want some", r)
	}

	// Without the secrets, compose refuses to start.
	for name := range secrets {
		env := map[string]string{}
		for k, v := range secrets {
			if k != name {
				env[k] = v
			}
		}
		if _, err := loadCompose(t, env); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: %v, want an error naming it", name, err)
		}
	}

	// .env.example lists exactly the variables to fill in.
	f, err := os.Open(filepath.Join(deployDir, "compose", ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var listed []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		if v != "" {
			t.Errorf(".env.example: %s has a value", k)
		}
		listed = append(listed, k)
	}
	var required []string
	for k := range secrets {
		required = append(required, k)
	}
	sort.Strings(listed)
	sort.Strings(required)
	if !slices.Equal(listed, required) {
		t.Errorf(".env.example lists %v, compose.yaml requires %v", listed, required)
	}

	checkComposePrometheus(t, p)
}

// checkComposePrometheus reads the Prometheus configuration the compose
// file mounts and wants every depc service scraped on its port. (Loading
// it with Prometheus' own config package would pull every cloud's service
// discovery into the module; the Prometheus of deploy/dev can check it:
// promtool check config deploy/compose/prometheus.yml.)
func checkComposePrometheus(t *testing.T, p *types.Project) {
	t.Helper()
	var file string
	for _, v := range p.Services["prometheus"].Volumes {
		if v.Target == "/etc/prometheus/prometheus.yml" {
			file = v.Source
		}
	}
	if file == "" {
		t.Fatal("prometheus: no configuration mounted at /etc/prometheus/prometheus.yml")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Global        map[string]string `yaml:"global"`
		ScrapeConfigs []struct {
			JobName      string `yaml:"job_name"`
			DNSSDConfigs []struct {
				Names []string `yaml:"names"`
				Type  string   `yaml:"type"`
				Port  int      `yaml:"port"`
			} `yaml:"dns_sd_configs"`
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"scrape_configs"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("prometheus: %s: %v", file, err)
	}
	// Each replica is its own target: the service's name resolves to all.
	scraped := map[string]bool{}
	for _, sc := range cfg.ScrapeConfigs {
		for _, d := range sc.DNSSDConfigs {
			for _, name := range d.Names {
				scraped[name] = d.Type == "A" && d.Port == 8080
			}
		}
	}
	for _, name := range []string{"api", "consume", "schedule"} {
		if !scraped[name] {
			t.Errorf("prometheus: does not scrape every replica of %s on port 8080", name)
		}
	}
}

// ---- Dockerfile ----

// dockerInstruction is one instruction of a Dockerfile, continuation lines
// joined.
type dockerInstruction struct {
	cmd, args string
	stage     int
}

func readDockerfile(t *testing.T, path string) []dockerInstruction {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []dockerInstruction
	stage, pending := -1, ""
	for _, line := range strings.Split(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if pending == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			pending += strings.TrimSuffix(trimmed, "\\") + " "
			continue
		}
		full := pending + trimmed
		pending = ""
		cmd, args, _ := strings.Cut(full, " ")
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		out = append(out, dockerInstruction{cmd: cmd, args: strings.TrimSpace(args), stage: stage})
	}
	return out
}

// TestDockerfile reads deploy/Dockerfile: a UI stage with npm ci and npm
// run build, a static Go build with the go.mod's Go, and a final stage
// running depc as a non-root user with `depc healthcheck` as its health
// check; every file it copies exists.
func TestDockerfile(t *testing.T) {
	ins := readDockerfile(t, filepath.Join(deployDir, "Dockerfile"))
	has := func(stage int, cmd, sub string) bool {
		for _, in := range ins {
			if in.stage == stage && in.cmd == cmd && strings.Contains(in.args, sub) {
				return true
			}
		}
		return false
	}
	args := map[string]string{}
	var froms []string
	last := 0
	for _, in := range ins {
		switch in.cmd {
		case "ARG":
			if k, v, ok := strings.Cut(in.args, "="); ok {
				args[k] = v
			}
		case "FROM":
			froms = append(froms, in.args)
			last = in.stage
		}
	}
	if len(froms) != 3 || !strings.HasPrefix(froms[0], "node:") || !strings.HasPrefix(froms[1], "golang:${GO_VERSION}") {
		t.Fatalf("stages %q, want node, golang:${GO_VERSION}, then the image", froms)
	}
	if !has(0, "RUN", "npm ci") || !has(0, "RUN", "npm run build") {
		t.Error("the UI stage does not run npm ci and npm run build")
	}
	if !has(1, "RUN", "CGO_ENABLED=0 go build") || !has(1, "COPY", "--from=ui") {
		t.Error("the Go stage does not build a static binary with the UI's build")
	}
	gomod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`(?m)^go (\S+)`).FindSubmatch(gomod); m == nil || string(m[1]) != args["GO_VERSION"] {
		t.Errorf("GO_VERSION=%s, want go.mod's %s", args["GO_VERSION"], m[1])
	}

	var user, healthcheck, entrypoint, command string
	for _, in := range ins {
		if in.stage != last {
			continue
		}
		switch in.cmd {
		case "USER":
			user = in.args
		case "HEALTHCHECK":
			healthcheck = in.args
		case "ENTRYPOINT":
			entrypoint = in.args
		case "CMD":
			command = in.args
		case "RUN":
			t.Errorf("the final stage runs %q: its base has no shell", in.args)
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "0" || u == "root" {
		t.Errorf("USER %q, want a non-root user", user)
	}
	var entry, cmd, check []string
	_, checkCmd, _ := strings.Cut(healthcheck, "CMD ")
	for _, x := range []struct {
		text string
		into *[]string
	}{{entrypoint, &entry}, {command, &cmd}, {checkCmd, &check}} {
		if err := json.Unmarshal([]byte(x.text), x.into); err != nil {
			t.Errorf("%q is not in exec form: %v", x.text, err)
		}
	}
	if len(entry) != 1 {
		t.Fatalf("ENTRYPOINT %q, want the binary alone", entry)
	}
	if !slices.Equal(check, []string{entry[0], "healthcheck"}) {
		t.Errorf("HEALTHCHECK %q, want [%q healthcheck]", check, entry[0])
	}
	if len(cmd) == 0 || commands[cmd[0]].run == nil {
		t.Errorf("CMD %q is not a depc command", cmd)
	}
	if !has(last, "COPY", "--from=build /out/depc "+entry[0]) {
		t.Errorf("the image does not hold the binary at %s", entry[0])
	}

	// Everything copied from the build context exists.
	for _, in := range ins {
		if in.cmd != "COPY" || strings.Contains(in.args, "--from=") {
			continue
		}
		fields := strings.Fields(in.args)
		for _, src := range fields[:len(fields)-1] {
			if strings.HasPrefix(src, "--") {
				continue
			}
			if _, err := os.Stat(filepath.Join("../..", src)); err != nil {
				t.Errorf("COPY %s: %v", src, err)
			}
		}
	}
}
