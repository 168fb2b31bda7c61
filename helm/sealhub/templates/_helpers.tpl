{{/* Names */}}
{{- define "sealhub.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sealhub.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "sealhub.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sealhub.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sealhub.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: hub
{{- end -}}

{{/* Labels of every resource, without the component (the hub and the Job differ). */}}
{{- define "sealhub.commonLabels" -}}
helm.sh/chart: {{ include "sealhub.chart" . }}
app.kubernetes.io/name: {{ include "sealhub.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: sealhub
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "sealhub.labels" -}}
{{ include "sealhub.commonLabels" . }}
app.kubernetes.io/component: hub
{{- end -}}

{{- define "sealhub.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sealhub.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sealhub.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The Secret holding the master key and the database URL: ours or the user's. */}}
{{- define "sealhub.secretName" -}}
{{- default (include "sealhub.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{- define "sealhub.databaseUrl" -}}
{{- if .Values.database.url -}}
{{- .Values.database.url -}}
{{- else if .Values.postgresql.enabled -}}
{{- $pg := .Values.postgresql.auth -}}
{{- printf "postgres://%s:%s@%s-postgresql:5432/%s" $pg.username (required "postgresql.auth.password is required when postgresql.enabled" $pg.password | urlquery) .Release.Name $pg.database -}}
{{- else -}}
{{- fail "set database.url (external PostgreSQL), existingSecret, or postgresql.enabled" -}}
{{- end -}}
{{- end -}}

{{/* Environment shared by the hub pods and the migration Job. */}}
{{- define "sealhub.env" -}}
- name: SEALHUB_MASTER_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "sealhub.secretName" . }}
      key: {{ ternary .Values.existingSecretKeys.masterKey "master-key" (ne .Values.existingSecret "") }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "sealhub.secretName" . }}
      key: {{ ternary .Values.existingSecretKeys.databaseUrl "database-url" (ne .Values.existingSecret "") }}
{{- if .Values.metrics.enabled }}
- name: SEALHUB_METRICS_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "sealhub.secretName" . }}
      key: {{ include "sealhub.metricsTokenKey" . }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "sealhub.metricsTokenKey" -}}
{{- ternary .Values.existingSecretKeys.metricsToken "metrics-token" (ne .Values.existingSecret "") -}}
{{- end -}}

{{/* The /metrics bearer token: the value given, else the one already in the release's
Secret (so an upgrade keeps it), else a new random one. */}}
{{- define "sealhub.metricsToken" -}}
{{- if .Values.metrics.token -}}
{{- .Values.metrics.token -}}
{{- else -}}
{{- $old := lookup "v1" "Secret" .Release.Namespace (include "sealhub.fullname" .) -}}
{{- if and $old $old.data (index $old.data "metrics-token") -}}
{{- index $old.data "metrics-token" | b64dec -}}
{{- else -}}
{{- randAlphaNum 40 -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "sealhub.podSecurityContext" -}}
{{- if .Values.podSecurityContext.enabled -}}
securityContext:
  {{- toYaml (omit .Values.podSecurityContext "enabled") | nindent 2 }}
{{- end -}}
{{- end -}}

{{- define "sealhub.containerSecurityContext" -}}
{{- if .Values.containerSecurityContext.enabled -}}
securityContext:
  {{- toYaml (omit .Values.containerSecurityContext "enabled") | nindent 2 }}
{{- end -}}
{{- end -}}
