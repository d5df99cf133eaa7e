# The service in a container: `npm start` (the production server) on Node 24, as a non-root user.
# Build: docker build -t posts-service .   Run the whole topology: docker compose up --build

# Dependencies, with the toolchain better-sqlite3 builds its native module with.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# The build (Next.js and the production server), then only the production dependencies.
FROM deps AS build
ENV NEXT_TELEMETRY_DISABLED=1
COPY . .
RUN npm run build && npm prune --omit=dev

# What runs: the build and the production dependencies, nothing else.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=3000
WORKDIR /app
RUN groupadd --system app && useradd --system --gid app --home-dir /app app \
  && mkdir -p /app/.data && chown app:app /app/.data
COPY --from=build --chown=app:app /app/package.json /app/next.config.mjs ./
COPY --from=build --chown=app:app /app/node_modules ./node_modules
COPY --from=build --chown=app:app /app/.next ./.next
COPY --from=build --chown=app:app /app/dist ./dist
USER app
EXPOSE 3000
# Healthy while the database answers; 503 while it does not, or while the server drains after SIGTERM. Six
# tries a minute: a first start that migrates a large database has time.
HEALTHCHECK --interval=10s --timeout=3s --retries=6 CMD node -e "fetch('http://127.0.0.1:' + process.env.PORT + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
# SQLite by default, in /app/.data; set DATABASE_URL=postgres://… to share one database between containers.
CMD ["node", "dist/server.js"]
