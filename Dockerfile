# Portico: multi-stage build on Node 24 slim. Node 24 runs the TypeScript sources directly, so the
# runtime image holds the sources and production dependencies only.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev drops the pinned `node` devDependency too: the image's own Node 24 runs Portico.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim
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
