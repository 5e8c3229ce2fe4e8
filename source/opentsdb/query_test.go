package opentsdb_test

import (
	"strings"
	"testing"

	"github.com/depc-dev/depc"
	"github.com/depc-dev/depc/source/opentsdb"
)

func TestNodeQuery(t *testing.T) {
	tests := []struct {
		query, label string
		names        []string
		body, tag    string
	}{
		{`{"metric": "m", "aggregator": "none"}`, "", []string{"a", "b"},
			`{"start":700,"end":2000,"queries":[{"aggregator":"none","metric":"m","filters":[{"type":"literal_or","tagk":"name","filter":"a|b","groupBy":true}]}],"msResolution":false,"noAnnotations":true}`, "name"},
		// The query's own fields are kept, in OpenTSDB's names; the node
		// filter comes last.
		{`{"metric": "m", "aggregator": "max", "downsample": "1m-max-nan", "rate": true, "rateOptions": {"counter": true, "counterMax": 100}, "explicitTags": true,
			"tags": {"dc": "eu|us"}, "filters": [{"type": "wildcard", "tagk": "probe", "filter": "p*", "groupBy": false}]}`, "host", []string{"a"},
			`{"start":700,"end":2000,"queries":[{"aggregator":"max","metric":"m","downsample":"1m-max-nan","rate":true,"rateOptions":{"counter":true,"counterMax":100},"filters":[{"type":"literal_or","tagk":"dc","filter":"eu|us","groupBy":true},{"type":"wildcard","tagk":"probe","filter":"p*","groupBy":false},{"type":"literal_or","tagk":"host","filter":"a","groupBy":true}],"explicitTags":true}],"msResolution":false,"noAnnotations":true}`, "host"},
		// The placeholder names the node tag, and goes.
		{`{"metric": "m", "aggregator": "sum", "tags": {"host": "$name", "dc": "*"}}`, "", []string{"a"},
			`{"start":700,"end":2000,"queries":[{"aggregator":"sum","metric":"m","filters":[{"type":"wildcard","tagk":"dc","filter":"*","groupBy":true},{"type":"literal_or","tagk":"host","filter":"a","groupBy":true}]}],"msResolution":false,"noAnnotations":true}`, "host"},
		// Tags become the filters OpenTSDB makes of them.
		{`{"metric": "m", "aggregator": "sum", "tags": {"a": "web*", "b": "regexp(x.*)", "c": "NOT_LITERAL_OR(y|z)"}}`, "", []string{"a"},
			`{"start":700,"end":2000,"queries":[{"aggregator":"sum","metric":"m","filters":[{"type":"iwildcard","tagk":"a","filter":"web*","groupBy":true},{"type":"regexp","tagk":"b","filter":"x.*","groupBy":true},{"type":"not_literal_or","tagk":"c","filter":"y|z","groupBy":true},{"type":"literal_or","tagk":"name","filter":"a","groupBy":true}]}],"msResolution":false,"noAnnotations":true}`, "name"},
		{`{"metric": "m", "aggregator": "sum", "filters": [{"type": "literal_or", "tagk": "host", "filter": "$name", "groupBy": false}]}`, "host", []string{"a"},
			`{"start":700,"end":2000,"queries":[{"aggregator":"sum","metric":"m","filters":[{"type":"literal_or","tagk":"host","filter":"a","groupBy":true}]}],"msResolution":false,"noAnnotations":true}`, "host"},
		// A name holding |, literal_or's separator: a regular expression
		// for the whole batch, every character but letters, digits, _ and
		// - written \x{…}.
		{`{"metric": "m", "aggregator": "none"}`, "", []string{"a|b", `it's "x"`, "é.1", "<&>"},
			`{"start":700,"end":2000,"queries":[{"aggregator":"none","metric":"m","filters":[{"type":"regexp","tagk":"name","filter":"\\A(?:a\\x{7c}b|it\\x{27}s\\x{20}\\x{22}x\\x{22}|é\\x{2e}1|\\x{3c}\\x{26}\\x{3e})\\z","groupBy":true}]}],"msResolution":false,"noAnnotations":true}`, "name"},
		// Names are sent as they are, without HTML escapes.
		{`{"metric": "m", "aggregator": "none"}`, "", []string{"<a>&b", `c"\`},
			`{"start":700,"end":2000,"queries":[{"aggregator":"none","metric":"m","filters":[{"type":"literal_or","tagk":"name","filter":"<a>&b|c\"\\","groupBy":true}]}],"msResolution":false,"noAnnotations":true}`, "name"},
	}
	for _, tt := range tests {
		body, tag, err := opentsdb.NodeQuery(tt.query, tt.label, 700, 2000, tt.names...)
		if err != nil || string(body) != tt.body || tag != tt.tag {
			t.Errorf("NodeQuery(%s, %q, %q) =\n  %s, %q, %v\nwant\n  %s, %q", tt.query, tt.label, tt.names, body, tag, err, tt.body, tt.tag)
		}
	}
}

// TestQueryErrors: a check's query is refused when saved, with an error
// naming the field.
func TestQueryErrors(t *testing.T) {
	tests := []struct{ query, label, want string }{
		{``, "", "parameters.query: is required"},
		{`  `, "", "parameters.query: is required"},
		{"\xff", "", "parameters.query: is not valid UTF-8"},
		{`m`, "", "parameters.query: not valid JSON"},
		{`"m"`, "", "parameters.query: must be a JSON object"},
		{`{"metric": "m", "aggregator": "none"} {}`, "", "parameters.query: must be a single JSON object"},
		{`{"metric": "m", "aggregator": "none", "start": "1h-ago"}`, "", `parameters.query: unknown field "start"`},
		{`{"metric": "m", "aggregator": "none", "tsuids": ["0001"]}`, "", `parameters.query: unknown field "tsuids"`},
		{`{"aggregator": "none"}`, "", "parameters.query.metric: is required"},
		{`{"metric": "a\u0000b", "aggregator": "none"}`, "", "parameters.query.metric: must be printable"},
		{`{"metric": 3, "aggregator": "none"}`, "", "parameters.query.metric: must be a string"},
		{`{"metric": "m"}`, "", "parameters.query.aggregator: is required"},
		{`{"metric": "m", "aggregator": "max(1)"}`, "", "parameters.query.aggregator: \"max(1)\" is not an aggregator name"},
		{`{"metric": "m", "aggregator": "max", "downsample": "1m"}`, "", "parameters.query.downsample: \"1m\" is not"},
		{`{"metric": "m", "aggregator": "max", "downsample": "1m-max-nope"}`, "", "parameters.query.downsample: "},
		{`{"metric": "m", "aggregator": "max", "rateOptions": {"counter": true}}`, "", "parameters.query.rateOptions: apply to a rate"},
		{`{"metric": "m", "aggregator": "max", "rate": "yes"}`, "", "parameters.query.rate: must be a boolean"},
		{`{"metric": "m", "aggregator": "max", "tags": {"": "x"}}`, "", `parameters.query.tags: key "" is empty`},
		{`{"metric": "m", "aggregator": "max", "tags": {"dc": ""}}`, "", "parameters.query.tags.dc: is empty"},
		{`{"metric": "m", "aggregator": "max", "tags": ["dc"]}`, "", "parameters.query.tags: must be a JSON object"},
		{`{"metric": "m", "aggregator": "max", "tags": {"dc": "nope(x)"}}`, "", `parameters.query.tags.dc: "nope(x)" is not a filter: the type before ( must be one of`},
		{`{"metric": "m", "aggregator": "max", "tags": {"dc": "regexp(x"}}`, "", `parameters.query.tags.dc: "regexp(x" is not a filter such as regexp(web.*)`},
		{`{"metric": "m", "aggregator": "max", "tags": {"dc": "regexp()"}}`, "", `parameters.query.tags.dc: "regexp()" is not a filter`},
		{`{"metric": "m", "aggregator": "max", "filters": [{"type": "nope", "tagk": "a", "filter": "b"}]}`, "", "parameters.query.filters[0].type: must be one of literal_or, "},
		{`{"metric": "m", "aggregator": "max", "filters": [{"type": "regexp", "tagk": "", "filter": "b"}]}`, "", "parameters.query.filters[0].tagk: is empty"},
		{`{"metric": "m", "aggregator": "max", "filters": [{"type": "regexp", "tagk": "a", "filter": "\n"}]}`, "", "parameters.query.filters[0].filter: must be printable"},
		// The node tag is depc's to filter.
		{`{"metric": "m", "aggregator": "max", "tags": {"name": "web01"}}`, "", `parameters.query.tags.name: the node tag is depc's to filter: write "$name" or leave it out`},
		{`{"metric": "m", "aggregator": "max", "tags": {"host": "web*"}}`, "host", `parameters.query.tags.host: the node tag is depc's to filter`},
		{`{"metric": "m", "aggregator": "max", "filters": [{"type": "wildcard", "tagk": "name", "filter": "web*"}]}`, "", `parameters.query.filters[0]: the node tag "name" is depc's to filter`},
		{`{"metric": "m", "aggregator": "max", "filters": [{"type": "regexp", "tagk": "host", "filter": "$name"}]}`, "", `parameters.query.filters[0]: $name can only be the filter of a literal_or filter`},
		{`{"metric": "m", "aggregator": "max", "tags": {"host": "$name", "dc": "$name"}}`, "", `parameters.query: $name is the value of two tags`},
		{`{"metric": "m", "aggregator": "max", "tags": {"host": "$name"}}`, "name", `parameters.label: is "name", but the query gives $name as the value of "host"`},
		{`{"metric": "m", "aggregator": "max"}`, "a\tb", `parameters.label: must be printable`},
	}
	for _, tt := range tests {
		_, _, err := opentsdb.NodeQuery(tt.query, tt.label, 700, 2000, "a")
		if depc.ErrorCode(err) != depc.EINVALID || !strings.HasPrefix(depc.ErrorMessage(err), tt.want) {
			t.Errorf("NodeQuery(%s, %q) = %v, want EINVALID %q", tt.query, tt.label, err, tt.want)
		}
	}
	if _, _, err := opentsdb.NodeQuery(`{"metric": "m", "aggregator": "max"}`, "", 700, 2000); depc.ErrorCode(err) != depc.EINVALID {
		t.Errorf("NodeQuery without names = %v, want EINVALID", err)
	}
}
