# Portico: multi-stage build on Node 24 slim. Node 24 runs the TypeScript sources directly, so the
# runtime image holds the sources and production dependencies only.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev drops the pinned `node` devDependency too: the image's own Node 24 runs Portico.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim
# Memory under connection bursts (docs/benchmarks/memory.md): jemalloc returns freed native memory
# to the kernel (its decay purges dirty pages) where glibc malloc keeps a fragmented heap at its
# high-water mark, and a capped V8 semi-space (NODE_OPTIONS, so the worker processes get it too) keeps a burst from growing the young
# generation to 128 MiB of pages that stay resident afterwards. test/abuse/burst-memory.test.ts runs
# Portico with these two settings, read from this file. bin/portico.js applies the same two when they
# are not set (outside the image), so with both set here it starts Portico as it is.
RUN apt-get update && apt-get install -y --no-install-recommends libjemalloc2 && rm -rf /var/lib/apt/lists/* \
  && ln -s "/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2" /usr/local/lib/libjemalloc.so.2
ENV LD_PRELOAD=/usr/local/lib/libjemalloc.so.2
ENV NODE_OPTIONS=--max-semi-space-size=8
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY config ./config
USER node
EXPOSE 8080 8443
ENTRYPOINT ["node", "bin/portico.js", "serve"]
