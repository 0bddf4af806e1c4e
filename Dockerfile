# The image deploy/sweep-indexed-job.yaml names: the compiled package, production dependencies only, run as
# a non-root user. Build it from the repository root:
#   docker build -t registry.example/spreadlab:0.1.0 .
# Its command is `spreadlab` (e.g. `docker run --rm registry.example/spreadlab:0.1.0 --help`).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
COPY scripts ./scripts
# npm ci runs the prepare script, which bundles src/ into dist/ (with the .d.ts types); then the dev
# dependencies go
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund && rm -rf src scripts dist/.tsbuildinfo

FROM node:20-bookworm-slim
ENV NODE_ENV=production CI=true
WORKDIR /app
COPY --from=build --chown=node:node /app ./
COPY --chown=node:node scenarios ./scenarios
COPY --chown=node:node data ./data
RUN ln -s /app/bin/spreadlab.js /usr/local/bin/spreadlab && mkdir -p /out && chown node:node /out
USER node
ENTRYPOINT ["spreadlab"]
CMD ["--help"]
