package grafana

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

//go:embed *.json
var files embed.FS

// Names are the dashboards' files.
var Names = []string{"morning-overview.json", "team.json"}

// Dashboard returns a dashboard's JSON as stored.
func Dashboard(name string) ([]byte, error) { return files.ReadFile(name) }

// Team returns the team dashboard of one team: its team variable becomes
// a hidden constant holding the team's name, and its title and uid name
// the team, so that every team's import lives next to the others'. The
// Prometheus datasource stays a variable, picked on import.
func Team(team string) ([]byte, error) {
	raw, err := files.ReadFile("team.json")
	if err != nil {
		return nil, err
	}
	var d map[string]any
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("team.json: %w", err)
	}
	d["title"] = "depc — team " + team
	d["uid"] = uid(team)
	templating, _ := d["templating"].(map[string]any)
	list, _ := templating["list"].([]any)
	for i, v := range list {
		if m, _ := v.(map[string]any); m != nil && m["name"] == "team" {
			list[i] = map[string]any{
				"name": "team", "type": "constant", "hide": 2, "query": team,
				"current": map[string]any{"text": team, "value": team},
			}
		}
	}
	return json.MarshalIndent(d, "", "  ")
}

// uid is the dashboard's uid: Grafana takes at most 40 characters, so a
// long team name is replaced by a digest of it.
func uid(team string) string {
	const prefix = "depc-team-"
	if len(prefix)+len(team) <= 40 {
		return prefix + team
	}
	sum := sha256.Sum256([]byte(team))
	return prefix + hex.EncodeToString(sum[:])[:24]
}
