# syntax=docker/dockerfile:1

# Build: type-check and compile TypeScript to dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY dialogs ./dialogs
RUN npm run build

# Runtime: production dependencies and compiled code only, as an unprivileged user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3978 DATA_DIR=/app/.data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY knowledge-base ./knowledge-base
# Static assets sit beside the compiled module that serves them.
COPY src/web/public ./dist/src/web/public
RUN mkdir -p /app/.data && chown -R node:node /app/.data
USER node
EXPOSE 3978
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3978)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# See .npmrc: a dependency's deprecation warning that says nothing about this app.
CMD ["node", "--disable-warning=DEP0111", "dist/src/main.js"]
