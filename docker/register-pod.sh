#!/bin/sh
# docker-compose.yml's `cassandra-pod`: registers a container of the compose network as a Pod of the
# Cassandra cluster $CLUSTER, labelled as the IBM operator labels its pods, so the operator finds it.
# The Pod selects no node (nothing runs it); its status.podIP is the container's address.
set -eu
# getent where the image has it, else busybox's nslookup (the k3s image is minimal).
ip=$( (getent hosts "$TARGET_HOST" 2>/dev/null || true) | awk '{print $1}' | head -n 1)
[ -n "$ip" ] || ip=$(nslookup "$TARGET_HOST" 2>/dev/null | awk '/^Address/ && !/#/ {print $NF}' | tail -n 1)
[ -n "$ip" ] || { echo "cannot resolve $TARGET_HOST" >&2; exit 1; }
cat <<YAML | kubectl apply -f -
apiVersion: v1
kind: Pod
metadata:
  name: $POD_NAME
  namespace: default
  labels:
    cassandra-cluster-instance: $CLUSTER
    cassandra-cluster-component: cassandra
    cassandra-cluster-dc: dc1
    cassandra-cluster-rack: rack1
spec:
  nodeSelector:
    cassandra-backup-operator/compose: registered-only
  containers:
    - name: cassandra
      image: cassandra:5.0.8
YAML
kubectl patch pod "$POD_NAME" -n default --subresource=status --type=merge \
  -p "{\"status\":{\"podIP\":\"$ip\",\"podIPs\":[{\"ip\":\"$ip\"}]}}"
echo "pod $POD_NAME -> $ip"
