{{- define "ferry-agent.name" -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "ferry-agent.labels" -}}
app.kubernetes.io/name: ferry-agent
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
{{- define "ferry-agent.selector" -}}
app.kubernetes.io/name: ferry-agent
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
