{{/* The chart's name, or nameOverride. */}}
{{- define "cbo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The objects' name: fullnameOverride, else the release's name when it holds the chart's, else both. */}}
{{- define "cbo.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* What the Deployment and the metrics Service select the pods by. */}}
{{- define "cbo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cbo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "cbo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "cbo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: cassandra-backup-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "cbo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cbo.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name must name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
A configuration value as its environment variable's text: a list joined with commas, a whole number
without an exponent (Helm reads YAML numbers as floats: 1000000 would print as 1e+06), anything else as
it prints.
*/}}
{{- define "cbo.envValue" -}}
{{- if kindIs "slice" . }}
{{- join "," . }}
{{- else if and (kindIs "float64" .) (eq (floor .) .) }}
{{- int64 . }}
{{- else }}
{{- toString . }}
{{- end }}
{{- end }}

{{/* config.HTTP_PORT, checked: the probes and the metrics Service need a fixed port. */}}
{{- define "cbo.httpPort" -}}
{{- $text := include "cbo.envValue" .Values.config.HTTP_PORT }}
{{- $port := atoi $text }}
{{- if or (ne (toString $port) $text) (lt $port 1) (gt $port 65535) }}
{{- fail (printf "config.HTTP_PORT is %q: in a cluster it must be a port from 1 to 65535, since the probes and the metrics Service use it (0, any free port, suits a workstation only)" $text) }}
{{- end }}
{{- $port }}
{{- end }}

{{/* The rules across values that the operator itself cannot see. */}}
{{- define "cbo.checks" -}}
{{- $grace := atoi (include "cbo.envValue" .Values.config.SHUTDOWN_GRACE_SECONDS) }}
{{- if ge $grace (int .Values.terminationGracePeriodSeconds) }}
{{- fail (printf "config.SHUTDOWN_GRACE_SECONDS (%d) must stay below terminationGracePeriodSeconds (%d): the pod is killed when that runs out, before the worker has drained" $grace (int .Values.terminationGracePeriodSeconds)) }}
{{- end }}
{{- end }}
