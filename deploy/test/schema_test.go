package deploytest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// values.schema.json rejects bad values at install time, naming the value.
func TestSchemaRejectsBadValues(t *testing.T) {
	cases := []struct {
		name string
		vals map[string]any
		want string // in the error
	}{
		{"replicas as a word", map[string]any{"chatService": map[string]any{"replicas": "two"}}, "chatService/replicas"},
		{"negative replicas", map[string]any{"sessionService": map[string]any{"replicas": -1}}, "sessionService/replicas"},
		{"unknown chatkit mode", map[string]any{"config": map[string]any{"chatkitMode": "cloud"}}, "config/chatkitMode"},
		{"unknown api style", map[string]any{"config": map[string]any{"openaiAPIStyle": "completions"}}, "config/openaiAPIStyle"},
		{"unknown auth mode", map[string]any{"config": map[string]any{"authMode": "basic"}}, "config/authMode"},
		{"bad session ttl", map[string]any{"config": map[string]any{"sessionTTL": "ten minutes"}}, "config/sessionTTL"},
		{"bad workflow id", map[string]any{"config": map[string]any{"chatkitWorkflowID": "workflow-1"}}, "config/chatkitWorkflowID"},
		{"frontend url wildcard", map[string]any{"config": map[string]any{"frontendURL": "*"}}, "config/frontendURL"},
		{"lower-case extra variable", map[string]any{"config": map[string]any{"extra": map[string]any{"log_level": "debug"}}}, "log_level"},
		{"unknown top-level key", map[string]any{"chatservice": map[string]any{"replicas": 2}}, "chatservice"},
		{"unknown nested key", map[string]any{"ingress": map[string]any{"tlsSecret": "x"}}, "tlsSecret"},
		{"port out of range", map[string]any{"chatService": map[string]any{"port": 70000}}, "chatService/port"},
		{"privileged port", map[string]any{"sessionService": map[string]any{"port": 80}}, "sessionService/port"},
		{"short signing key", map[string]any{"secrets": map[string]any{"sessionSigningKey": "short"}}, "secrets/sessionSigningKey"},
		{"sqlite database in a cluster", map[string]any{"secrets": map[string]any{"databaseURL": "sqlite:///tmp/x.db"}}, "secrets/databaseURL"},
		{"redis url scheme", map[string]any{"secrets": map[string]any{"redisURL": "localhost:6379"}}, "secrets/redisURL"},
		{"jwt without a key", map[string]any{"config": map[string]any{"authMode": "jwt"}}, "authJWTSecret"},
		{"jwt secret and jwks both", map[string]any{
			"config":  map[string]any{"authMode": "jwt", "authJWKSURL": "https://idp.example.com/jwks"},
			"secrets": map[string]any{"authJWTSecret": "s3cret"},
		}, "authJWTSecret"},
		{"pull policy", map[string]any{"default": map[string]any{"image": map[string]any{"pullPolicy": "Sometimes"}}}, "default/image/pullPolicy"},
		{"image digest", map[string]any{"frontend": map[string]any{"image": map[string]any{"digest": "latest"}}}, "frontend/image/digest"},
		{"ingress host", map[string]any{"ingress": map[string]any{"hosts": []any{"https://tasks.example.com"}}}, "ingress/hosts"},
		{"memory limit unit", map[string]any{"chatService": map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": "1 GB"}}}}, "chatService/resources/limits/memory"},
		{"gomemlimit unit", map[string]any{"chatService": map[string]any{"goMemLimit": "400Mi"}}, "chatService/goMemLimit"},
		{"autoscaling bounds", map[string]any{"chatService": map[string]any{"autoscaling": map[string]any{"minReplicas": 0}}}, "chatService/autoscaling/minReplicas"},
		{"cpu target", map[string]any{"chatService": map[string]any{"autoscaling": map[string]any{"targetCPUUtilizationPercentage": 150}}}, "targetCPUUtilizationPercentage"},
		{"shutdown timeout", map[string]any{"shutdown": map[string]any{"timeoutSeconds": 0}}, "shutdown/timeoutSeconds"},
		{"temperature", map[string]any{"config": map[string]any{"chatkitTemperature": 3}}, "config/chatkitTemperature"},
		{"env name", map[string]any{"chatService": map[string]any{"env": []any{map[string]any{"name": "BAD-NAME", "value": "x"}}}}, "chatService/env"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := render(t, tc.vals)
			require.Error(t, err, "values accepted: %v", tc.vals)
			assert.Contains(t, err.Error(), "values don't meet the specifications of the schema")
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// The same keys with good values pass, so the cases above fail for the
// reason they name.
func TestSchemaAcceptsGoodValues(t *testing.T) {
	cases := []struct {
		name string
		vals map[string]any
	}{
		{"replicas", map[string]any{"chatService": map[string]any{"replicas": 3}}},
		{"hosted mode", map[string]any{"config": map[string]any{"chatkitMode": "hosted", "chatkitWorkflowID": "wf_abc123"}}},
		{"chat completions", map[string]any{"config": map[string]any{"openaiAPIStyle": "chat_completions"}}},
		{"session ttl", map[string]any{"config": map[string]any{"sessionTTL": "1h30m"}}},
		{"frontend urls", map[string]any{"config": map[string]any{"frontendURL": "https://a.example.com,http://localhost:3000"}}},
		{"extra variable", map[string]any{"config": map[string]any{"extra": map[string]any{"AUTH_JWT_ISSUER": "https://idp", "RATE_LIMIT_PER_MINUTE": 60}}}},
		{"signing key", map[string]any{"secrets": map[string]any{"sessionSigningKey": "0123456789abcdef0123456789abcdef"}}},
		{"postgres url", map[string]any{"secrets": map[string]any{"databaseURL": "postgresql://u:p@db:5432/x?sslmode=require"}}},
		{"rediss url", map[string]any{"secrets": map[string]any{"redisURL": "rediss://:pw@cache:6380/1"}}},
		{"jwt secret", map[string]any{"config": map[string]any{"authMode": "jwt"}, "secrets": map[string]any{"authJWTSecret": "s3cret"}}},
		{"jwt jwks", map[string]any{"config": map[string]any{"authMode": "jwt", "authJWKSURL": "https://idp.example.com/jwks"}}},
		{"jwt existing secret", map[string]any{"config": map[string]any{"authMode": "jwt"}, "secrets": map[string]any{"existingSecret": "tp"}, "postgresql": map[string]any{"enabled": false}}},
		{"digest", map[string]any{"frontend": map[string]any{"image": map[string]any{"digest": "sha256:" + repeat("a", 64)}}}},
		{"ingress hosts", map[string]any{"ingress": map[string]any{"hosts": []any{"tasks.example.com", "*.example.org"}}}},
		{"memory in Gi", map[string]any{"chatService": map[string]any{"resources": map[string]any{"limits": map[string]any{"memory": "1Gi"}}}}},
		{"gomemlimit", map[string]any{"chatService": map[string]any{"goMemLimit": "400MiB"}}},
		{"autoscaling", map[string]any{"chatService": map[string]any{"autoscaling": map[string]any{"enabled": true, "minReplicas": 2, "maxReplicas": 4}}}},
		{"env", map[string]any{"chatService": map[string]any{"env": []any{map[string]any{"name": "LOG_LEVEL", "value": "debug"}}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := render(t, tc.vals)
			require.NoError(t, err)
			r.objects(t)
		})
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}
