{{/*
Workload templates shared by session-service and chat-service; each service's
folder renders them with its own values block:
  (dict "root" $ "component" "chat-service" "svc" .Values.chatService "secretKeys" (list ...))
*/}}

{{/*
Environment of a service container: the ConfigMap (envFrom), its secrets by
key, and what the chart derives (listen address, GOMEMLIMIT, TMPDIR, OTel
resource attributes).
*/}}
{{- define "taskpilot.serviceEnv" -}}
- name: LISTEN_ADDR
  value: {{ printf ":%d" (int .svc.port) | quote }}
- name: METRICS_ADDR
  value: {{ printf ":%d" (int .root.Values.metrics.port) | quote }}
{{- with include "taskpilot.goMemLimit" . }}
- name: GOMEMLIMIT
  value: {{ . | quote }}
{{- end }}
- name: TMPDIR
  value: /tmp
- name: SHUTDOWN_DRAIN_DELAY
  value: {{ printf "%ds" (int .root.Values.shutdown.drainDelaySeconds) | quote }}
- name: SHUTDOWN_TIMEOUT
  value: {{ printf "%ds" (int .root.Values.shutdown.timeoutSeconds) | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ .component | quote }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: OTEL_RESOURCE_ATTRIBUTES
  value: "k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),service.version={{ .root.Chart.AppVersion }}"
{{- $secret := include "taskpilot.secretName" .root }}
{{- $dbFrom := .root.Values.secrets.databaseURLFrom }}
{{- range .secretKeys }}
- name: {{ .key }}
  valueFrom:
    secretKeyRef:
      {{- if and (eq .key "DATABASE_URL") $dbFrom.name }}
      name: {{ $dbFrom.name }}
      key: {{ $dbFrom.key }}
      {{- else }}
      name: {{ $secret }}
      key: {{ .key }}
      {{- end }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}
{{- with .root.Values.default.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with .svc.env }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "taskpilot.serviceDeployment" -}}
{{- $root := .root }}
{{- $svc := .svc }}
{{- $d := $root.Values.default }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "taskpilot.componentName" . }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "taskpilot.componentLabels" . | nindent 4 }}
spec:
  {{- if not $svc.autoscaling.enabled }}
  replicas: {{ $svc.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "taskpilot.componentSelectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "taskpilot.componentLabels" . | nindent 8 }}
        {{- with $d.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      annotations:
        checksum/config: {{ include "taskpilot.configChecksum" $root }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $root.Values.metrics.port | quote }}
        prometheus.io/path: /metrics
        {{- with $d.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with $svc.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "taskpilot.serviceAccountName" $root }}
      automountServiceAccountToken: {{ $root.Values.serviceAccount.automountServiceAccountToken }}
      enableServiceLinks: false
      terminationGracePeriodSeconds: {{ include "taskpilot.terminationGracePeriod" $root }}
      {{- with $d.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      {{- with $d.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $d.podSecurityContext | nindent 8 }}
      containers:
        - name: {{ .component }}
          image: {{ include "taskpilot.image" (dict "root" $root "image" $svc.image) | quote }}
          imagePullPolicy: {{ $d.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ $svc.port }}
              protocol: TCP
            - name: metrics
              containerPort: {{ $root.Values.metrics.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "taskpilot.configMapName" $root }}
          env:
            {{- include "taskpilot.serviceEnv" . | nindent 12 }}
          startupProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: {{ $svc.startupProbe.periodSeconds }}
            timeoutSeconds: {{ $svc.startupProbe.timeoutSeconds }}
            failureThreshold: {{ $svc.startupProbe.failureThreshold }}
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
            initialDelaySeconds: {{ $svc.livenessProbe.initialDelaySeconds }}
            periodSeconds: {{ $svc.livenessProbe.periodSeconds }}
            timeoutSeconds: {{ $svc.livenessProbe.timeoutSeconds }}
            failureThreshold: {{ $svc.livenessProbe.failureThreshold }}
          readinessProbe:
            httpGet:
              path: /readyz
              port: http
            initialDelaySeconds: {{ $svc.readinessProbe.initialDelaySeconds }}
            periodSeconds: {{ $svc.readinessProbe.periodSeconds }}
            timeoutSeconds: {{ $svc.readinessProbe.timeoutSeconds }}
            failureThreshold: {{ $svc.readinessProbe.failureThreshold }}
          resources:
            {{- toYaml $svc.resources | nindent 12 }}
          securityContext:
            {{- toYaml $d.securityContext | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: {{ $d.tmpSizeLimit }}
      {{- with $d.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $d.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $d.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $d.topologySpread }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "taskpilot.componentSelectorLabels" . | nindent 14 }}
      {{- end }}
{{- end }}

{{- define "taskpilot.serviceService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "taskpilot.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "taskpilot.componentLabels" . | nindent 4 }}
  {{- with .svc.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .svc.service.type }}
  selector:
    {{- include "taskpilot.componentSelectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .svc.service.port }}
      targetPort: http
      protocol: TCP
    # Prometheus only (the ServiceMonitor); the Ingress routes to http.
    - name: metrics
      port: {{ .root.Values.metrics.port }}
      targetPort: metrics
      protocol: TCP
{{- end }}

{{- define "taskpilot.serviceHPA" -}}
{{- if .svc.autoscaling.enabled }}
{{- $a := .svc.autoscaling }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "taskpilot.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "taskpilot.componentLabels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "taskpilot.componentName" . }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    {{- if $a.targetCPUUtilizationPercentage }}
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $a.targetCPUUtilizationPercentage }}
    {{- end }}
    {{- if $a.targetMemoryUtilizationPercentage }}
    - type: Resource
      resource:
        name: memory
        target:
          type: Utilization
          averageUtilization: {{ $a.targetMemoryUtilizationPercentage }}
    {{- end }}
  behavior:
    scaleDown:
      # Long SSE streams: shed replicas slowly.
      stabilizationWindowSeconds: 300
      policies:
        - type: Pods
          value: 1
          periodSeconds: 60
{{- end }}
{{- end }}

{{- define "taskpilot.servicePDB" -}}
{{- if .svc.pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "taskpilot.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "taskpilot.componentLabels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .svc.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "taskpilot.componentSelectorLabels" . | nindent 6 }}
{{- end }}
{{- end }}

{{/*
ServiceMonitor. honorLabels keeps the services' own `service` label
(session-service, chat-service) instead of renaming it exported_service;
jobLabel makes job = the component name, which the alert rules use.
*/}}
{{- define "taskpilot.serviceMonitor" -}}
{{- $m := .root.Values.metrics.serviceMonitor }}
{{- if $m.enabled }}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "taskpilot.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "taskpilot.componentLabels" . | nindent 4 }}
    {{- with $m.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  jobLabel: app.kubernetes.io/component
  selector:
    matchLabels:
      {{- include "taskpilot.componentSelectorLabels" . | nindent 6 }}
  namespaceSelector:
    matchNames:
      - {{ .root.Release.Namespace }}
  endpoints:
    - port: metrics
      path: /metrics
      interval: {{ $m.interval }}
      scrapeTimeout: {{ $m.scrapeTimeout }}
      honorLabels: true
{{- end }}
{{- end }}
