# ferry-agent image: multi-stage, runs as non-root (uid 65532) on Debian slim Node 20, carries the
# real kubectl (kustomize built in) and helm that the agent execs for rendering, and ssh-keygen and
# gpg for verifying commit signatures (spec.verify).
# Build: docker build -t ferry-agent .      (not built in this repository's CI: no Docker there)
ARG NODE_VERSION=20.19
ARG KUBECTL_VERSION=v1.35.2
ARG HELM_VERSION=v4.1.4

# 1. Compile the agent and its workspace dependencies.
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig*.json ./
COPY packages/manifest-model/package.json packages/manifest-model/
COPY packages/git-http/package.json packages/git-http/
COPY packages/agent/package.json packages/agent/
COPY packages/promoter/package.json packages/promoter/
COPY apps/agent/package.json apps/agent/
COPY apps/cli/package.json apps/cli/
COPY tools/testenv/package.json tools/testenv/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY packages/manifest-model packages/manifest-model
COPY packages/git-http packages/git-http
COPY packages/agent packages/agent
COPY apps/agent apps/agent
COPY tools/build tools/build
RUN npx tsc -b apps/agent && node apps/agent/build-bundle.mjs

# 2. Production dependencies of the agent only.
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/manifest-model/package.json packages/manifest-model/
COPY packages/git-http/package.json packages/git-http/
COPY packages/agent/package.json packages/agent/
COPY apps/agent/package.json apps/agent/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --workspace @ferry/agent-app --include-workspace-root=false

# 3. The binaries the renderers run (the `tool` of each entry in
#    packages/agent/src/render/renderer-catalog.ts): kubectl and helm, checked against their
#    published SHA-256 sums. A renderer with a new binary adds it here and its FERRY_<TOOL> below.
FROM debian:bookworm-slim AS tools
ARG KUBECTL_VERSION
ARG HELM_VERSION
ARG TARGETARCH=amd64
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*
WORKDIR /tools
RUN curl -fsSLo kubectl "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl" \
 && echo "$(curl -fsSL "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${TARGETARCH}/kubectl.sha256")  kubectl" | sha256sum -c - \
 && curl -fsSLo helm.tgz "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz" \
 && echo "$(curl -fsSL "https://get.helm.sh/helm-${HELM_VERSION}-linux-${TARGETARCH}.tar.gz.sha256sum" | cut -d' ' -f1)  helm.tgz" | sha256sum -c - \
 && tar -xzf helm.tgz --strip-components=1 "linux-${TARGETARCH}/helm" \
 && chmod 0755 kubectl helm && rm helm.tgz

# 4. Runtime: non-root, no package manager state; openssh-client and gpg for spec.verify.
FROM node:${NODE_VERSION}-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates openssh-client gpg \
 && rm -rf /var/lib/apt/lists/* \
 && rm -f /usr/local/bin/npm /usr/local/bin/npx && rm -rf /usr/local/lib/node_modules/npm
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/package.json ./
COPY --from=build /src/packages/manifest-model/package.json ./packages/manifest-model/
COPY --from=build /src/packages/manifest-model/dist ./packages/manifest-model/dist
COPY --from=build /src/packages/git-http/package.json ./packages/git-http/
COPY --from=build /src/packages/git-http/dist ./packages/git-http/dist
COPY --from=build /src/packages/agent/package.json ./packages/agent/
COPY --from=build /src/packages/agent/dist ./packages/agent/dist
COPY --from=build /src/packages/agent/crds ./packages/agent/crds
COPY --from=build /src/apps/agent/package.json ./apps/agent/
COPY --from=build /src/apps/agent/bin ./apps/agent/bin
COPY --from=build /src/apps/agent/dist ./apps/agent/dist
COPY --from=build /src/apps/agent/bundle ./apps/agent/bundle
COPY --from=tools /tools/kubectl /tools/helm /usr/local/bin/
ENV NODE_ENV=production FERRY_KUBECTL=/usr/local/bin/kubectl FERRY_HELM=/usr/local/bin/helm HOME=/tmp
USER 65532:65532
EXPOSE 8080 9292
ENTRYPOINT ["/usr/local/bin/node", "/app/apps/agent/bin/ferry-agent.js"]
CMD ["run"]
