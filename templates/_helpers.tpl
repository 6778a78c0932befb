{{- define "authctl.labels" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Values.name }}
app.kubernetes.io/part-of: authctl
app.kubernetes.io/managed-by: {{ .root.Values.managedBy }}
{{- end -}}

{{- define "authctl.selector" -}}
app.kubernetes.io/name: {{ .component }}
app.kubernetes.io/instance: {{ .root.Values.name }}
{{- end -}}

{{- define "authctl.meta" -}}
name: {{ .name }}
namespace: {{ get . "namespace" | default .root.Values.namespace }}
labels:
  {{- include "authctl.labels" . | nindent 2 }}
{{- end -}}

{{/* Pod-level hardening: Pod Security "restricted". */}}
{{- define "authctl.podSecurity" -}}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  runAsNonRoot: true
  runAsUser: 10000
  runAsGroup: 10000
  fsGroup: 10000
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{- define "authctl.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  runAsNonRoot: true
  capabilities:
    drop: [ALL]
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{- define "authctl.resources" -}}
resources:
  requests:
    cpu: {{ get . "cpu" | default "50m" }}
    memory: {{ get . "memory" | default "64Mi" }}
  limits:
    cpu: {{ get . "cpuLimit" | default "500m" }}
    memory: {{ get . "memoryLimit" | default "256Mi" }}
{{- end -}}

{{/* Spread replicas over nodes and zones when there is more than one. */}}
{{- define "authctl.spread" -}}
{{- if gt (int .root.Values.scaling.replicas) 1 }}
topologySpreadConstraints:
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "authctl.selector" . | nindent 6 }}
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "authctl.selector" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/* PodDisruptionBudget and HorizontalPodAutoscaler for a scaled component. */}}
{{- define "authctl.scaling" -}}
{{- $s := .root.Values.scaling -}}
{{- if and $s.pdb (gt (int $s.replicas) 1) }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  {{- include "authctl.meta" . | nindent 2 }}
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      {{- include "authctl.selector" . | nindent 6 }}
{{- end }}
{{- if gt (int $s.maxReplicas) 0 }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  {{- include "authctl.meta" . | nindent 2 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ .name }}
  minReplicas: {{ $s.replicas }}
  maxReplicas: {{ $s.maxReplicas }}
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: {{ $s.targetCPU }}
{{- end }}
{{- end -}}

{{/* Environment variable from a Secret key. */}}
{{- define "authctl.secretEnv" -}}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
{{- end -}}

{{/* authctl.peers lists the pods (by component) and namespaces an internal API admits. */}}
{{- define "authctl.peers" -}}
{{- $root := .root }}
{{- range .components }}
- podSelector:
    matchLabels:
      app.kubernetes.io/name: {{ . }}
      app.kubernetes.io/instance: {{ $root.Values.name }}
{{- end }}
{{- range .namespaces }}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ . }}
{{- end }}
{{- end -}}
