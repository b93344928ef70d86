{{/*
Chart name, truncated to the 63 characters a DNS label allows.
*/}}
{{- define "taskpilot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: <release>-<chart>, or the release name alone when it already
contains the chart name. Component names append "-<component>", so the base
is cut to leave room for the longest suffix ("-session-service", 16).
*/}}
{{- define "taskpilot.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 47 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 47 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 47 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Name of one component: (dict "root" $ "component" "chat-service").
*/}}
{{- define "taskpilot.componentName" -}}
{{- printf "%s-%s" (include "taskpilot.fullname" .root) .component }}
{{- end }}

{{- define "taskpilot.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels on every object.
*/}}
{{- define "taskpilot.labels" -}}
helm.sh/chart: {{ include "taskpilot.chart" . }}
{{ include "taskpilot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: taskpilot
{{- end }}

{{- define "taskpilot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "taskpilot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Labels of one component: (dict "root" $ "component" "chat-service").
The selector labels never change across upgrades (Deployment selectors are
immutable).
*/}}
{{- define "taskpilot.componentLabels" -}}
{{ include "taskpilot.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "taskpilot.componentSelectorLabels" -}}
{{ include "taskpilot.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "taskpilot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "taskpilot.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "taskpilot.configMapName" -}}
{{- printf "%s-config" (include "taskpilot.fullname" .) }}
{{- end }}

{{/*
Name of the Secret the pods read: existingSecret, or the chart's own.
*/}}
{{- define "taskpilot.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- printf "%s-secrets" (include "taskpilot.fullname" .) }}
{{- end }}
{{- end }}

{{/*
Image reference: (dict "root" $ "image" .Values.chatService.image).
A repository containing "/" (a full reference, as skaffold passes) or an empty
default registry is used as is; otherwise it is prefixed with the registry.
A digest, when set, pins the image.
*/}}
{{- define "taskpilot.image" -}}
{{- $d := .root.Values.default.image }}
{{- $repo := .image.repository }}
{{- if and $d.registry (not (contains "/" $repo)) }}
{{- $repo = printf "%s/%s" (trimSuffix "/" $d.registry) $repo }}
{{- end }}
{{- $tag := .image.tag | default $d.tag | default .root.Chart.AppVersion }}
{{- if .image.digest }}
{{- printf "%s:%s@%s" $repo $tag .image.digest }}
{{- else }}
{{- printf "%s:%s" $repo $tag }}
{{- end }}
{{- end }}

{{/*
GOMEMLIMIT: the explicit value, or 90% of the memory limit (Mi/Gi/M/G), so
the Go collector works harder before the kernel kills the container.
*/}}
{{- define "taskpilot.goMemLimit" -}}
{{- $svc := .svc }}
{{- if $svc.goMemLimit }}
{{- $svc.goMemLimit }}
{{- else }}
{{- $limit := "" }}
{{- if and $svc.resources $svc.resources.limits $svc.resources.limits.memory }}
{{- $limit = toString $svc.resources.limits.memory }}
{{- end }}
{{- if hasSuffix "Gi" $limit }}
{{- printf "%dMiB" (div (mul (trimSuffix "Gi" $limit | atoi) 1024 9) 10) }}
{{- else if hasSuffix "Mi" $limit }}
{{- printf "%dMiB" (div (mul (trimSuffix "Mi" $limit | atoi) 9) 10) }}
{{- else if hasSuffix "G" $limit }}
{{- printf "%dMB" (div (mul (trimSuffix "G" $limit | atoi) 1000 9) 10) }}
{{- else if hasSuffix "M" $limit }}
{{- printf "%dMB" (div (mul (trimSuffix "M" $limit | atoi) 9) 10) }}
{{- else if $limit }}
{{- fail (printf "%s: set goMemLimit explicitly; cannot derive it from resources.limits.memory %q (use Mi or Gi)" .component $limit) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
terminationGracePeriodSeconds: drain delay + shutdown timeout + margin.
*/}}
{{- define "taskpilot.terminationGracePeriod" -}}
{{- $s := .Values.shutdown }}
{{- add $s.drainDelaySeconds $s.timeoutSeconds $s.marginSeconds }}
{{- end }}

{{/*
Is the in-cluster dev PostgreSQL used for DATABASE_URL?
*/}}
{{- define "taskpilot.postgresql.name" -}}
{{- include "taskpilot.componentName" (dict "root" . "component" "postgresql") }}
{{- end }}

{{/*
A generated secret value that survives upgrades: the value already stored in
the named Secret (lookup; empty under `helm template`), else a fresh random
one. It is memoised in .Values (path "secrets.sessionSigningKey") so every
template of one render sees the same value.
(dict "root" $ "secret" "<name>" "key" "SESSION_SIGNING_KEY" "values" .Values.secrets "field" "sessionSigningKey" "length" 48)
*/}}
{{- define "taskpilot.persistentRandom" -}}
{{- if not (index .values .field) }}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .secret }}
{{- if and $existing $existing.data (hasKey $existing.data .key) }}
{{- $_ := set .values .field (index $existing.data .key | b64dec) }}
{{- else }}
{{- $_ := set .values .field (randAlphaNum (int .length)) }}
{{- end }}
{{- end }}
{{- index .values .field }}
{{- end }}

{{- define "taskpilot.sessionSigningKey" -}}
{{- include "taskpilot.persistentRandom" (dict "root" . "secret" (printf "%s-secrets" (include "taskpilot.fullname" .)) "key" "SESSION_SIGNING_KEY" "values" .Values.secrets "field" "sessionSigningKey" "length" 48) }}
{{- end }}

{{- define "taskpilot.postgresql.password" -}}
{{- include "taskpilot.persistentRandom" (dict "root" . "secret" (include "taskpilot.postgresql.name" .) "key" "POSTGRES_PASSWORD" "values" .Values.postgresql "field" "password" "length" 32) }}
{{- end }}

{{/*
DATABASE_URL: the configured one, else the bundled PostgreSQL's.
*/}}
{{- define "taskpilot.databaseURL" -}}
{{- if .Values.secrets.databaseURL }}
{{- .Values.secrets.databaseURL }}
{{- else if .Values.postgresql.enabled }}
{{- $p := .Values.postgresql }}
{{- printf "postgres://%s:%s@%s:5432/%s?sslmode=disable" $p.username (include "taskpilot.postgresql.password" . | urlquery) (include "taskpilot.postgresql.name" .) $p.database }}
{{- end }}
{{- end }}

{{/*
Front-end origins for the CORS allow-list.
*/}}
{{- define "taskpilot.frontendURL" -}}
{{- if .Values.config.frontendURL }}
{{- .Values.config.frontendURL }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- $scheme := ternary "https" "http" .Values.ingress.tls.enabled }}
{{- $urls := list }}
{{- range .Values.ingress.hosts }}
{{- $urls = append $urls (printf "%s://%s" $scheme .) }}
{{- end }}
{{- join "," $urls }}
{{- end }}
{{- end }}

{{/*
checksum/config: a hash of every setting the pods read from the ConfigMap and
the chart's Secret, so a changed setting rolls the pods. Generated secrets
are resolved first (lookup keeps them stable across upgrades).
*/}}
{{- define "taskpilot.configChecksum" -}}
{{- $generated := list }}
{{- if not .Values.secrets.existingSecret }}
{{- $generated = list (include "taskpilot.sessionSigningKey" .) (include "taskpilot.databaseURL" .) }}
{{- end }}
{{- list .Values.config .Values.secrets .Values.shutdown $generated (include "taskpilot.frontendURL" .) | toJson | sha256sum }}
{{- end }}
