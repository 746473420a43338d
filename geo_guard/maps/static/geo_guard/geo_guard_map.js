/* geo_guard map runtime: builds the layers of a geo_guard HTML map from compact data.
 *
 * Every text that came from a user (names, descriptions, area names ...) is put into the
 * page with textContent, never as HTML, so it shows as text and runs nothing.
 * window.geoGuard.layers lists every layer with the number of features it drew; the
 * browser tests compare those numbers with the data.
 *
 * (c) geo_guard developers, MIT licence.
 */
(function (global) {
  'use strict';
  var L = global.L;
  var GG = global.GeoGuard = global.GeoGuard || {};
  var registry = global.geoGuard = global.geoGuard || {layers: [], maps: {}};
  var shapes = {};

  // ------------------------------------------------------------------ helpers
  function el(tag, cls, text, parent) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (parent) { parent.appendChild(node); }
    return node;
  }

  // Codes of columns with few distinct values: one character per row ('.' = missing).
  var ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  var CODE = {};
  for (var a = 0; a < ALPHABET.length; a++) { CODE[ALPHABET.charCodeAt(a)] = a; }

  /** Value of row i of an encoded column (see geo_guard.maps.elements.encode_column). */
  function cell(col, i) {
    if (!col) { return null; }
    if (col.v) { return col.v[i]; }
    if (col.s !== undefined) { var k = CODE[col.s.charCodeAt(i)]; return k === undefined ? null : col.d[k]; }
    if (col.c) { var c = col.c[i]; return c < 0 ? null : col.d[c]; }
    if (col.n) { var n = col.n[i]; return n === null || n === undefined ? null : n.toFixed(col.p); }
    return null;
  }

  GG.cell = cell;

  function formatStake(chainage, prefix) {
    if (chainage === null || chainage === undefined || isNaN(chainage)) { return ''; }
    var sign = chainage < 0 ? '-' : '';
    var m = Math.round(Math.abs(chainage));
    var km = Math.floor(m / 1000), rest = m - km * 1000;
    return sign + (prefix || '') + 'K' + km + '+' + ('00' + rest).slice(-3);
  }
  GG.formatStake = formatStake;

  /** Chainage in metres of a stake text (K12+345, k12+345.5, 12+345, K12), or null. */
  function parseStake(text) {
    var t = String(text).trim().replace(/＋/g, '+');
    var m = /^(-)?[^-+\d]*?[Kk]?\s*(\d+)\s*(?:\+\s*(\d+(?:\.\d*)?))?\s*$/.exec(t);
    if (!m || (!/[Kk+]/.test(t))) { return null; }
    var value = parseInt(m[2], 10) * 1000 + (m[3] ? parseFloat(m[3]) : 0);
    return m[1] ? -value : value;
  }
  GG.parseStake = parseStake;

  // WGS84 -> GCJ-02 (the published formula, as geo_guard.crs.wgs84_to_gcj02).
  var GCJ_A = 6378245.0, GCJ_EE = 0.00669342162296594323;
  function gcjLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320.0 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
    return r;
  }
  function gcjLon(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
    r += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
    return r;
  }
  /** [lon, lat] in GCJ-02 of a WGS84 lon/lat; unchanged outside China. */
  function toGcj02(lon, lat) {
    if (!(lon > 73.66 && lon < 135.05 && lat > 3.86 && lat < 53.55)) { return [lon, lat]; }
    var dLat = gcjLat(lon - 105.0, lat - 35.0), dLon = gcjLon(lon - 105.0, lat - 35.0);
    var radLat = lat / 180.0 * Math.PI;
    var magic = 1 - GCJ_EE * Math.sin(radLat) * Math.sin(radLat);
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((GCJ_A * (1 - GCJ_EE)) / (magic * sqrtMagic) * Math.PI);
    dLon = (dLon * 180.0) / (GCJ_A / sqrtMagic * Math.cos(radLat) * Math.PI);
    return [lon + dLon, lat + dLat];
  }
  GG.toGcj02 = toGcj02;

  GG.setShapes = function (table) { shapes = table || {}; };

  /** Data of a layer, from its <script type="application/json"> element. */
  GG.data = function (id) {
    var node = document.getElementById(id);
    return JSON.parse(node.textContent);
  };

  // ------------------------------------------------------------------ map state
  function state(map) {
    if (!map._gg) {
      map._gg = {layers: [], chain: null, offset: null, prefix: ''};
      var zoomClass = function () {
        var z = map.getZoom(), c = map.getContainer();
        L.DomUtil.removeClass(c, 'gg-zlo'); L.DomUtil.removeClass(c, 'gg-zmid');
        L.DomUtil.removeClass(c, 'gg-zhi');
        L.DomUtil.addClass(c, z < 11 ? 'gg-zlo' : (z < 13 ? 'gg-zmid' : 'gg-zhi'));
      };
      map.on('zoomend', zoomClass);
      map.whenReady(zoomClass);
      // All geo_guard layers share one canvas, drawn (and hit) in the order they were
      // added. A layer ticked on again in the layer control is drawn last by Leaflet:
      // put the layers that came after it back on top.
      map.on('overlayadd', function (e) {
        var layers = map._gg.layers, found = false;
        for (var k = 0; k < layers.length; k++) {
          var entry = layers[k], outer = entry.outer || entry.group;
          if (found && map.hasLayer(outer)) { entry.group.bringToFront(); }
          if (outer === e.layer) { found = true; }
        }
      });
      registry.maps[mapId(map)] = map;
    }
    return map._gg;
  }
  function mapId(map) { return map.getContainer().id; }

  /** Overlays are in GCJ-02 (AMap tiles): GPS positions (locate-me) are moved the same way. */
  GG.useOffset = function (map, offset) {
    var st = state(map);
    st.offset = offset;
    if (offset !== 'gcj02') { return; }
    // Registered at load, so it runs before the locate control's own handler (added on click).
    map.on('locationfound', function (e) {
      var p = toGcj02(e.latlng.lng, e.latlng.lat);
      var dLat = p[1] - e.latlng.lat, dLon = p[0] - e.latlng.lng;
      e.latlng = L.latLng(p[1], p[0]);
      if (e.bounds) {
        e.bounds = L.latLngBounds(
          [e.bounds.getSouth() + dLat, e.bounds.getWest() + dLon],
          [e.bounds.getNorth() + dLat, e.bounds.getEast() + dLon]);
      }
    });
  };

  function display(map, lon, lat) {
    return state(map).offset === 'gcj02' ? toGcj02(lon, lat) : [lon, lat];
  }

  function register(map, spec, group, kind, extra) {
    var entry = {map: mapId(map), name: spec.name, kind: kind, group: group, spec: spec,
                 expected: spec.count};
    if (extra) { for (var k in extra) { entry[k] = extra[k]; } }
    registry.layers.push(entry);
    state(map).layers.push(entry);
    return entry;
  }

  /** Number of features of a registered layer that are on the map now. */
  GG.rendered = function (entry) {
    var n = 0;
    entry.group.eachLayer(function (layer) { if (layer._map) { n += 1; } });
    return n;
  };

  // ------------------------------------------------------------------ popups & tooltips
  function rowTitle(spec, i) {
    var parts = [];
    (spec.title || []).forEach(function (k) {
      var v = cell(spec.table.cols[k], i);
      if (v !== null && v !== '') { parts.push(v); }
    });
    return parts.join(' · ');
  }

  function infoTable(spec, i, extraRows) {
    var box = el('div', 'gg-info');
    var title = rowTitle(spec, i);
    el('div', 'gg-info-title', title || spec.name, box);
    el('div', 'gg-info-layer', spec.name, box);
    var table = el('table', 'gg-info-table', null, box);
    var body = el('tbody', null, null, table);
    var add = function (label, value) {
      if (value === null || value === undefined || value === '') { return; }
      var tr = el('tr', null, null, body);
      el('th', null, label, tr);
      el('td', null, value, tr);
    };
    spec.table.labels.forEach(function (label, k) { add(label, cell(spec.table.cols[k], i)); });
    (extraRows || []).forEach(function (row) { add(row[0], row[1]); });
    return box;
  }
  GG.infoTable = infoTable;

  function tooltipNode(spec, i) {
    var parts = [];
    (spec.tooltip || []).forEach(function (k) {
      var v = cell(spec.table.cols[k], i);
      if (v !== null && v !== '') { parts.push(v); }
    });
    return el('div', 'gg-tip', parts.join(' · ') || spec.name);
  }

  function bindInfo(map, group, spec, extraRows) {
    group.on('click', function (e) {
      var layer = e.propagatedFrom || e.layer, i = layer._ggRow;
      if (i === undefined) { return; }
      var at = layer.getLatLng ? layer.getLatLng() : e.latlng;
      L.popup({minWidth: Math.min(260, map.getSize().x - 80), maxWidth: 360,
               maxHeight: Math.min(360, map.getSize().y - 120), autoPanPadding: [20, 20]})
        .setLatLng(at).setContent(infoTable(spec, i, extraRows ? extraRows(i) : null))
        .openOn(map);
    });
    if (!spec.tooltip || !spec.tooltip.length) { return; }
    var tip = L.tooltip({direction: 'top', offset: [0, -6], opacity: 0.95});
    group.on('mouseover', function (e) {
      var layer = e.propagatedFrom || e.layer, i = layer._ggRow;
      if (i === undefined) { return; }
      tip.setLatLng(layer.getLatLng ? layer.getLatLng() : e.latlng)
        .setContent(tooltipNode(spec, i));
      map.openTooltip(tip);
    });
    group.on('mousemove', function (e) {
      var layer = e.propagatedFrom || e.layer;
      if (!layer.getLatLng) { tip.setLatLng(e.latlng); }
    });
    group.on('mouseout', function () { map.closeTooltip(tip); });
  }

  // ------------------------------------------------------------------ point layers
  // Markers shrink when zoomed out, so dense areas stay readable.
  function markerScale(zoom) { return zoom <= 10 ? 0.45 : zoom <= 12 ? 0.65 : zoom <= 14 ? 0.85 : 1; }

  var ShapeMarker = L.CircleMarker.extend({
    _project: function () {
      this._radius = this.options.radius * markerScale(this._map.getZoom());
      L.CircleMarker.prototype._project.call(this);
    },
    _updatePath: function () {
      var r = this._renderer;
      if (this.options.ggShape && r._ggUpdateShape) { r._ggUpdateShape(this); }
      else { r._updateCircle(this); }
    }
  });
  L.Canvas.include({
    _ggUpdateShape: function (layer) {
      if (!this._drawing || layer._empty()) { return; }
      var p = layer._point, ctx = this._ctx, r = Math.max(Math.round(layer._radius), 1);
      var v = layer.options.ggShape;
      ctx.beginPath();
      ctx.moveTo(p.x + v[0] * r, p.y + v[1] * r);
      for (var k = 2; k < v.length; k += 2) { ctx.lineTo(p.x + v[k] * r, p.y + v[k + 1] * r); }
      ctx.closePath();
      this._fillStroke(ctx, layer);
    }
  });

  /** The canvas every geo_guard layer draws on (one hit test for all, fast for many). */
  function renderer(map) {
    var st = state(map);
    if (!st.renderer) {
      st.renderer = L.canvas({padding: 0.2, tolerance: L.Browser.mobile ? 6 : 2});
    }
    return st.renderer;
  }

  /** WGS84 lon/lat of row i of a point spec (coordinates are integers times spec.scale). */
  function pointLonLat(spec, i) {
    return [spec.x0 + spec.x[i] * spec.scale, spec.y0 + spec.y[i] * spec.scale];
  }

  GG.points = function (map, spec) {
    var group = L.featureGroup();
    var canvas = renderer(map);
    var n = spec.x.length, style = spec.style || {};
    for (var i = 0; i < n; i++) {
      var ll = pointLonLat(spec, i), p = display(map, ll[0], ll[1]);
      var shapeName = cell(spec.shape, i);
      var marker = new ShapeMarker([p[1], p[0]], {
        renderer: canvas, radius: style.radius || 7, color: style.color || '#222',
        weight: style.weight || 1, opacity: 1, fillColor: style.fillColor || '#888',
        fillOpacity: style.fillOpacity || 0.9, ggShape: shapes[shapeName] || null,
        bubblingMouseEvents: false
      });
      marker._ggRow = i;
      group.addLayer(marker);
    }
    bindInfo(map, group, spec, function (i) {
      var ll = pointLonLat(spec, i);
      return [['经度 (WGS84)', ll[0].toFixed(6)], ['纬度 (WGS84)', ll[1].toFixed(6)]];
    });
    register(map, spec, group, 'points');
    return group;
  };

  // ------------------------------------------------------------------ shape layers
  function offsetCoords(map, coords, depth) {
    if (depth === 0) { var p = display(map, coords[0], coords[1]); return [p[0], p[1]]; }
    return coords.map(function (c) { return offsetCoords(map, c, depth - 1); });
  }
  var DEPTH = {Point: 0, MultiPoint: 1, LineString: 1, MultiLineString: 2, Polygon: 2,
               MultiPolygon: 3};

  function styleFor(spec, i) {
    var style = {};
    var base = spec.style || {};
    for (var k in base) { style[k] = base[k]; }
    if (spec.styleBy) {
      var extra = spec.styleBy.styles[cell(spec.table.cols[spec.styleBy.col], i)];
      if (extra) { for (var j in extra) { style[j] = extra[j]; } }
    }
    return style;
  }

  GG.shapes = function (map, spec) {
    var group = L.featureGroup(), canvas = renderer(map);
    // Geometries are shipped in WGS84 and moved here when the base map is GCJ-02.
    var shift = state(map).offset === 'gcj02';
    spec.geoms.forEach(function (g, i) {
      if (!g) { return; }
      if (shift) {
        g = g.type === 'GeometryCollection' ? g :
          {type: g.type, coordinates: offsetCoords(map, g.coordinates, DEPTH[g.type])};
      }
      var style = styleFor(spec, i);
      style.renderer = canvas;
      // geometryToLayer hands these options to the polygons and lines it makes.
      style.pointToLayer = function (f, ll) { return L.circleMarker(ll, style); };
      var layer = L.GeoJSON.geometryToLayer({type: 'Feature', geometry: g, properties: {}}, style);
      layer._ggRow = i;
      if (layer.eachLayer) { layer.eachLayer(function (sub) { sub._ggRow = i; }); }
      group.addLayer(layer);
    });
    bindInfo(map, group, spec);
    register(map, spec, group, 'shapes');
    return group;
  };

  // ------------------------------------------------------------------ canal
  function tickClasses(km) {
    var c = 'gg-k1';
    if (km % 5 === 0) { c += ' gg-k5'; }
    if (km % 10 === 0) { c += ' gg-k10'; }
    return c;
  }

  /** Direction from a to b on the map, degrees counter-clockwise from east. */
  function screenAngle(map, a, b) {
    var crs = map.options.crs, pa = crs.project(a), pb = crs.project(b);  // y points north
    return Math.atan2(pb.y - pa.y, pb.x - pa.x) * 180 / Math.PI;
  }

  GG.canal = function (map, spec) {
    var st = state(map);
    st.prefix = spec.prefix || '';
    var lines = L.featureGroup(), ticks = L.featureGroup(), arrows = L.featureGroup();
    var style = L.extend({renderer: renderer(map)}, spec.style || {color: '#0050b4', weight: 4});
    spec.lines.forEach(function (coords, i) {
      var latlngs = coords.map(function (c) { var p = display(map, c[0], c[1]); return [p[1], p[0]]; });
      var line = L.polyline(latlngs, style);
      line._ggRow = i;
      lines.addLayer(line);
    });
    var at = function (row) { var p = display(map, row[0], row[1]); return L.latLng(p[1], p[0]); };
    // t = [lon, lat, lonA, latA, lonB, latB, chainage]: the place, and points just up- and
    // downstream of it that give the canal's direction there.
    var direction = function (t) { return screenAngle(map, at([t[2], t[3]]), at([t[4], t[5]])); };
    spec.ticks.forEach(function (t) {
      var a = at(t), angle = direction(t);
      var km = Math.round(t[6] / 1000);
      var box = el('div', 'gg-tick-box');
      var bar = el('div', 'gg-tick', null, box);
      bar.style.transform = 'rotate(' + (-angle).toFixed(1) + 'deg)';  // across the canal
      el('span', 'gg-stake', formatStake(t[6], spec.prefix), box);
      ticks.addLayer(L.marker(a, {
        icon: L.divIcon({className: 'gg-tick-icon ' + tickClasses(km), html: box, iconSize: [0, 0]}),
        interactive: false, keyboard: false
      }));
    });
    spec.arrows.forEach(function (t) {
      var a = at(t), angle = direction(t);
      var km = Math.floor(t[6] / 1000);
      var box = el('div', 'gg-arrow');
      box.style.transform = 'rotate(' + (-angle).toFixed(1) + 'deg)';
      box.title = '水流方向';
      arrows.addLayer(L.marker(a, {
        icon: L.divIcon({className: 'gg-arrow-icon ' + tickClasses(km), html: box, iconSize: [0, 0]}),
        interactive: false, keyboard: false
      }));
    });
    var group = L.featureGroup([lines, ticks, arrows]);
    if (spec.chain) {
      st.chain = {lon: spec.chain.lon, lat: spec.chain.lat, ch: spec.chain.ch};
    }
    bindInfo(map, lines, spec);
    register(map, spec, lines, 'canal', {ticks: ticks, arrows: arrows, outer: group});
    return group;
  };

  /** Display LatLng on the centerline at a chainage (linear between vertices), or null. */
  function chainagePoint(map, chainage) {
    var chain = state(map).chain;
    if (!chain || !chain.ch.length) { return null; }
    var ch = chain.ch, n = ch.length;
    if (chainage < ch[0] || chainage > ch[n - 1]) { return null; }
    var lo = 0, hi = n - 1;
    while (hi - lo > 1) { var mid = (lo + hi) >> 1; if (ch[mid] <= chainage) { lo = mid; } else { hi = mid; } }
    var f = ch[hi] === ch[lo] ? 0 : (chainage - ch[lo]) / (ch[hi] - ch[lo]);
    var lon = chain.lon[lo] + f * (chain.lon[hi] - chain.lon[lo]);
    var lat = chain.lat[lo] + f * (chain.lat[hi] - chain.lat[lo]);
    var p = display(map, lon, lat);
    return L.latLng(p[1], p[0]);
  }
  GG.chainagePoint = chainagePoint;

  // ------------------------------------------------------------------ search
  function findRows(map, query, limit) {
    var out = [], q = query.toLowerCase();
    var layers = state(map).layers;
    for (var a = 0; a < layers.length && out.length < limit; a++) {
      var entry = layers[a], spec = entry.spec;
      if (!spec.search || !spec.search.length) { continue; }
      var n = spec.count;
      for (var i = 0; i < n && out.length < limit; i++) {
        for (var s = 0; s < spec.search.length; s++) {
          var v = cell(spec.table.cols[spec.search[s]], i);
          if (v !== null && String(v).toLowerCase().indexOf(q) >= 0) {
            out.push({label: String(v), layer: entry, row: i});
            break;
          }
        }
      }
    }
    return out;
  }

  function layerOfRow(entry, row) {
    var found = null;
    entry.group.eachLayer(function (layer) { if (layer._ggRow === row) { found = layer; } });
    return found;
  }

  /** Fly to row `row` of the layer named `name` and open its popup. */
  GG.focus = function (map, name, row) {
    var layers = state(map).layers;
    for (var a = 0; a < layers.length; a++) {
      if (layers[a].name === name) { return focusRow(map, layers[a], row); }
    }
    return false;
  };

  function focusRow(map, entry, row) {
    var layer = layerOfRow(entry, row);
    if (!layer) { return false; }
    if (!map.hasLayer(entry.outer || entry.group)) { map.addLayer(entry.outer || entry.group); }
    var open = function () {
      var at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
      layer.fire('click', {latlng: at}, true);  // propagate: the group opens the popup
    };
    if (layer.getLatLng) {
      map.setView(layer.getLatLng(), Math.max(map.getZoom(), 16));
    } else {
      map.fitBounds(layer.getBounds(), {maxZoom: 16});
    }
    open();
    return true;
  }

  GG.search = function (map, options) {
    var Search = L.Control.extend({
      options: {position: 'topleft'},
      onAdd: function () {
        var box = el('div', 'gg-search leaflet-bar');
        var input = el('input', 'gg-search-input', null, box);
        input.type = 'search';
        input.placeholder = options.placeholder || '搜索名称或桩号 (如 K12+300)';
        input.setAttribute('aria-label', input.placeholder);
        var list = el('ul', 'gg-search-list', null, box);
        var marker = null;
        var choose = function (hit) {
          list.textContent = '';
          if (hit.latlng) {
            if (marker) { map.removeLayer(marker); }
            marker = L.circleMarker(hit.latlng, {radius: 9, color: '#000', weight: 3,
                                                 fillColor: '#fff', fillOpacity: 0.6});
            marker.addTo(map).bindPopup(el('div', 'gg-info-title', hit.label)).openPopup();
            map.setView(hit.latlng, Math.max(map.getZoom(), 16));
          } else {
            focusRow(map, hit.layer, hit.row);
          }
        };
        var run = function () {
          list.textContent = '';
          var q = input.value.trim();
          if (!q) { return []; }
          var hits = [];
          var chainage = parseStake(q);
          if (chainage !== null) {
            var at = chainagePoint(map, chainage);
            var label = '桩号 ' + formatStake(chainage, state(map).prefix);
            if (at) { hits.push({label: label, latlng: at}); }
            else if (state(map).chain) { el('li', 'gg-search-none', label + ' 不在总干渠范围内', list); }
          }
          hits = hits.concat(findRows(map, q, 30));
          hits.forEach(function (hit) {
            var li = el('li', 'gg-search-hit', hit.label, list);
            if (hit.layer) { el('span', 'gg-search-layer', ' ' + hit.layer.name, li); }
            // Stop here: choose() empties the list, and a click whose target has left the
            // page would reach the map and close the popup just opened.
            L.DomEvent.on(li, 'click', function (e) { L.DomEvent.stop(e); choose(hit); });
          });
          if (!hits.length && !list.firstChild) { el('li', 'gg-search-none', '无结果', list); }
          return hits;
        };
        var timer = null;
        L.DomEvent.on(input, 'input', function () {
          clearTimeout(timer);
          timer = setTimeout(run, 200);
        });
        L.DomEvent.on(input, 'keydown', function (e) {
          if (e.key === 'Enter') { var hits = run(); if (hits.length) { choose(hits[0]); } }
        });
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    var control = new Search();
    control.addTo(map);
    return control;
  };

  // ------------------------------------------------------------------ legend
  var SVG_NS = 'http://www.w3.org/2000/svg';

  /** A marker shape (GeoGuard.setShapes) as a small SVG, for the legend (shape_symbol). */
  function shapeSvg(symbol) {
    var size = String(Number(symbol.size) || 16), scale = Number(symbol.scale) || 1;
    var svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('width', size);
    svg.setAttribute('height', size);
    svg.setAttribute('viewBox', '-1.6 -1.6 3.2 3.2');
    svg.setAttribute('aria-hidden', 'true');
    var v = shapes[symbol.shape], node;
    if (!v) {
      node = document.createElementNS(SVG_NS, 'circle');
      node.setAttribute('r', String(scale));
    } else {
      var points = [];
      for (var k = 0; k < v.length; k += 2) { points.push(v[k] * scale + ',' + v[k + 1] * scale); }
      node = document.createElementNS(SVG_NS, 'polygon');
      node.setAttribute('points', points.join(' '));
    }
    // attributes, not markup: an odd colour is ignored by the browser
    node.setAttribute('fill', symbol.fill || '#bdbdbd');
    node.setAttribute('stroke', symbol.stroke || '#222');
    node.setAttribute('stroke-width', String(Number(symbol.strokeWidth) || 0.14));
    svg.appendChild(node);
    return svg;
  }

  /** The symbol of a legend row (see geo_guard.maps.elements.legend_row), or null. */
  function legendSymbol(symbol) {
    if (!symbol) { return null; }
    var node;
    switch (symbol.kind) {
      case 'swatch':
        node = el('span', 'gg-swatch');
        // style properties, not markup: an odd colour is ignored by the browser
        node.style.background = symbol.fill;
        node.style.opacity = symbol.opacity;
        node.style.borderColor = symbol.border || symbol.fill;
        return node;
      case 'shape': return shapeSvg(symbol);
      case 'line':
        node = el('span', 'gg-line');
        if (symbol.color) { node.style.borderTopColor = symbol.color; }
        return node;
      case 'tick': node = el('span', 'gg-legend-tick'); el('span', null, null, node); return node;
      case 'arrow': return el('span', 'gg-legend-arrow');
      default: return null;
    }
  }

  /** The legend: {title, sections: [{heading, rows: [{symbol, label, count}]}], notes}. */
  GG.legend = function (map, data, options) {
    var Legend = L.Control.extend({
      options: {position: (options && options.position) || 'bottomleft'},
      onAdd: function () {
        var box = el('div', 'gg-legend leaflet-bar');
        var details = el('details', null, null, box);
        details.open = true;
        el('summary', null, data.title || '图例', details);
        (data.sections || []).forEach(function (section) {
          el('h4', null, section.heading, details);
          (section.rows || []).forEach(function (row) {
            var line = el('div', 'gg-row', null, details);
            var symbol = legendSymbol(row.symbol);
            if (symbol) { line.appendChild(symbol); }
            el('span', 'gg-label', row.label, line);
            if (row.count !== null && row.count !== undefined) {
              el('span', 'gg-count', Number(row.count).toLocaleString('en-US'), line);
            }
          });
        });
        (data.notes || []).forEach(function (note) { el('div', 'gg-note', note, details); });
        // Leave room for the controls stacked at the top left (zoom, search, measure ...).
        var fit = function () {
          var room = map.getSize().y - 320;
          box.style.maxHeight = Math.max(room, 40) + 'px';
          return room;
        };
        var room = fit();
        map.on('resize', fit);
        if (global.innerWidth < 700 || room < 160) { details.open = false; }
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    var control = new Legend();
    control.addTo(map);
    return control;
  };

  // ------------------------------------------------------------------ mini-map
  GG.miniMap = function (map, options) {
    if (!L.Control.MiniMap) { return null; }
    var parts = [];
    if (options.tiles) { parts.push(L.tileLayer(options.tiles, options.tileOptions || {})); }
    var canal = state(map).layers.filter(function (e) { return e.kind === 'canal'; });
    canal.forEach(function (entry) {
      entry.group.eachLayer(function (line) {
        parts.push(L.polyline(line.getLatLngs(), {color: '#0050b4', weight: 2, interactive: false}));
      });
    });
    var opts = options.control || {};
    if (options.autoMinimize && global.innerWidth < 700) { opts.minimized = true; }
    var control = new L.Control.MiniMap(L.layerGroup(parts), opts);
    control.addTo(map);
    return control;
  };

  // ------------------------------------------------------------------ title & table
  GG.title = function (map, text) {
    var box = el('div', 'gg-title', text);
    map.getContainer().appendChild(box);
    return box;
  };

  /** Rows of a table under the map (data-gg-layer, data-gg-row) fly to their feature. */
  function tableLinks(map, table) {
    table.addEventListener('click', function (e) {
      var tr = e.target.closest('tr[data-gg-row]');
      if (!tr) { return; }
      if (GG.focus(map, tr.getAttribute('data-gg-layer'), parseInt(tr.getAttribute('data-gg-row'), 10))) {
        map.getContainer().scrollIntoView({behavior: 'smooth'});
      }
    });
  }

  /**
   * The table of an area's risk sources, under the map (geo_guard.maps.split):
   * {id, heading, back, hint, labels, zoneColumn, unplaced, rows: [{cells, level, layer, row}]}.
   * Every cell is put in with textContent; clicking a placed row opens its popup.
   */
  GG.sourcesTable = function (map, data) {
    var wrap = el('div', 'gg-table-wrap');
    el('h2', null, data.heading, wrap);
    var p = el('p', null, null, wrap);
    var back = el('a', null, data.back || '返回目录', p);
    back.href = data.index || 'index.html';
    p.appendChild(document.createTextNode(' · ' + (data.hint || '')));
    var table = el('table', 'gg-table', null, wrap);
    table.id = data.id;
    var headRow = el('tr', null, null, el('thead', null, null, table));
    el('th', null, '#', headRow);
    data.labels.forEach(function (label) { el('th', null, label, headRow); });
    var body = el('tbody', null, null, table);
    data.rows.forEach(function (row, n) {
      var tr = el('tr', null, null, body);
      if (row.layer !== null && row.layer !== undefined) {
        tr.setAttribute('data-gg-layer', row.layer);
        tr.setAttribute('data-gg-row', String(row.row));
      } else {
        tr.title = data.unplaced || '';
      }
      el('td', null, String(n + 1), tr);
      row.cells.forEach(function (value, k) {
        var td = el('td', null, value, tr);
        if (k === data.zoneColumn && (row.level === 1 || row.level === 2)) {
          td.className = 'gg-zone-' + row.level;
        }
      });
    });
    var container = map.getContainer();
    container.parentNode.insertBefore(wrap, container.nextSibling);
    tableLinks(map, table);
    return table;
  };

  GG.ready = true;
})(window);
