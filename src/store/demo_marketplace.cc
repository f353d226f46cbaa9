// The marketplace part of the demo bank: retailers with settlement accounts and benefit rules,
// and products across five categories (docs/demo-data.md, "Marketplace").
#include <cstdint>
#include <string>

#include "store/accounts.h"
#include "store/demo.h"
#include "store/market.h"

namespace centli::store {
namespace {

struct DemoRetailer {
  const char* retailer_id;
  const char* name;
  const char* category;
  const char* settlement_account_id;
  const char* settlement_number;
  const char* rules_json;  // format: docs/marketplace.md, "Retailer rules"
};

// Promotions run from 2025-01-01 to 2030-01-01 so the demo shows them whatever the date.
constexpr DemoRetailer kRetailers[] = {
    {"ret-electro", "ElectroMundo", "electronics", "acc-set-electro", "0000000000101",
     R"({"cashback":[{"account_type":"credit","rate_bp":500,"cap_minor":100000}],)"
     R"("msi":{"months":[3,6,9,12,18],"min_amount_minor":300000},)"
     R"("points":{"points_per_peso":1,"account_type":"credit"},)"
     R"("promotions":[{"promotion_id":"buenfin","description":"Buen Fin: 10% de descuento",)"
     R"("kind":"percent","percent_bp":1000,"min_amount_minor":1000000,)"
     R"("valid_from_ms":1735689600000,"valid_to_ms":1893456000000,"category":"electronics"}]})"},
    {"ret-super", "SuperFresco", "groceries", "acc-set-super", "0000000000102",
     R"({"cashback":[{"rate_bp":200,"cap_minor":5000},)"
     R"({"account_type":"credit","rate_bp":300,"cap_minor":10000}],)"
     R"("points":{"points_per_peso":2}})"},
    {"ret-viajes", "Viajes Sol", "travel", "acc-set-viajes", "0000000000103",
     R"({"msi":{"months":[3,6,12],"min_amount_minor":500000},)"
     R"("points":{"points_per_peso":3,"account_type":"credit"},)"
     R"("promotions":[{"promotion_id":"verano","description":"Verano: 1,000 pesos menos",)"
     R"("kind":"fixed","fixed_minor":100000,"min_amount_minor":1500000,)"
     R"("valid_from_ms":1735689600000,"valid_to_ms":1893456000000,"category":"travel"}]})"},
    {"ret-moda", "Moda Norte", "fashion", "acc-set-moda", "0000000000104",
     R"({"cashback":[{"rate_bp":1000,"cap_minor":30000}],)"
     R"("msi":{"months":[3,6],"min_amount_minor":200000},)"
     R"("promotions":[{"promotion_id":"temporada","description":"Fin de temporada: 20%",)"
     R"("kind":"percent","percent_bp":2000,"min_amount_minor":80000,)"
     R"("valid_from_ms":1735689600000,"valid_to_ms":1893456000000,"category":"fashion"}]})"},
    {"ret-casa", "Casa Bella", "home", "acc-set-casa", "0000000000105",
     R"({"cashback":[{"account_type":"checking","rate_bp":300,"cap_minor":20000}],)"
     R"("msi":{"months":[3,6,9,12],"min_amount_minor":400000},)"
     R"("points":{"points_per_peso":1}})"},
};

struct DemoProduct {
  const char* product_id;
  const char* retailer_id;
  const char* name;
  const char* description;
  const char* category;
  std::int64_t price_minor;
  std::int64_t stock;
};

constexpr DemoProduct kProducts[] = {
    {"prd-phone-a15", "ret-electro", "Teléfono Astra A15", "Smartphone 128 GB, cámara doble",
     "electronics", 459900, 25},
    {"prd-phone-x20", "ret-electro", "Teléfono Astra X20 Pro", "Smartphone 256 GB, pantalla OLED",
     "electronics", 1899900, 8},
    {"prd-phone-mini", "ret-electro", "Teléfono Mini Básico", "Teléfono para llamadas y mensajes",
     "electronics", 89900, 40},
    {"prd-laptop-14", "ret-electro", "Laptop Nube 14", "Laptop ligera, 16 GB de memoria",
     "electronics", 1549900, 6},
    {"prd-tablet-10", "ret-electro", "Tableta Lumen 10", "Tableta de 10 pulgadas con lápiz",
     "electronics", 699900, 12},
    {"prd-earbuds", "ret-electro", "Audífonos Eco", "Audífonos inalámbricos con cancelación",
     "electronics", 129900, 50},
    {"prd-tv-55", "ret-electro", "Televisión 55 pulgadas", "Pantalla 4K con HDR", "electronics",
     1099900, 0},
    {"prd-console", "ret-electro", "Consola Orbita", "Consola de videojuegos con dos controles",
     "electronics", 999900, 0},
    {"prd-watch", "ret-electro", "Reloj Pulso", "Reloj inteligente con GPS", "electronics", 349900,
     15},
    {"prd-coffee", "ret-super", "Café de Chiapas 1 kg", "Café de altura tostado medio", "groceries",
     28900, 100},
    {"prd-rice", "ret-super", "Arroz Morelos 1 kg", "Arroz de grano largo", "groceries", 4590, 200},
    {"prd-beans", "ret-super", "Frijol negro 1 kg", "Frijol negro de Zacatecas", "groceries", 3890,
     180},
    {"prd-tortillas", "ret-super", "Tortillas de maíz 1 kg", "Tortillas de maíz nixtamalizado",
     "groceries", 2400, 0},
    {"prd-avocado", "ret-super", "Aguacate Hass 1 kg", "Aguacate de Michoacán", "groceries", 7990,
     60},
    {"prd-olive-oil", "ret-super", "Aceite de oliva 750 ml", "Aceite de oliva extra virgen",
     "groceries", 18950, 40},
    {"prd-chocolate", "ret-super", "Chocolate de mesa", "Chocolate oaxaqueño con canela",
     "groceries", 6500, 75},
    {"prd-pantry-box", "ret-super", "Despensa familiar", "Caja con básicos para un mes",
     "groceries", 189900, 10},
    {"prd-flight-cun", "ret-viajes", "Vuelo CDMX-Cancún", "Viaje redondo en clase turista",
     "travel", 549900, 30},
    {"prd-flight-mad", "ret-viajes", "Vuelo CDMX-Madrid", "Viaje redondo con maleta documentada",
     "travel", 2299900, 5},
    {"prd-hotel-oax", "ret-viajes", "Hotel en Oaxaca 3 noches", "Hotel boutique en el centro",
     "travel", 450000, 20},
    {"prd-package-los-cabos", "ret-viajes", "Paquete Los Cabos", "Vuelo y hotel todo incluido",
     "travel", 1899900, 0},
    {"prd-bus-gdl", "ret-viajes", "Autobús CDMX-Guadalajara", "Autobús de lujo, ida", "travel",
     89900, 80},
    {"prd-tour-chichen", "ret-viajes", "Tour Chichén Itzá", "Excursión de un día con guía",
     "travel", 149900, 25},
    {"prd-cruise", "ret-viajes", "Crucero por el Caribe", "Crucero de siete noches", "travel",
     3499900, 3},
    {"prd-car-rental", "ret-viajes", "Renta de auto 5 días", "Auto compacto con seguro", "travel",
     320000, 0},
    {"prd-jeans", "ret-moda", "Jeans clásicos", "Mezclilla de algodón, corte recto", "fashion",
     79900, 60},
    {"prd-dress", "ret-moda", "Vestido bordado", "Vestido con bordado artesanal de Chiapas",
     "fashion", 149900, 15},
    {"prd-sneakers", "ret-moda", "Tenis Ruta", "Tenis para correr", "fashion", 189900, 20},
    {"prd-jacket", "ret-moda", "Chamarra de piel", "Chamarra de piel de León", "fashion", 459900,
     4},
    {"prd-tshirt", "ret-moda", "Playera básica", "Playera de algodón orgánico", "fashion", 24900,
     150},
    {"prd-hat", "ret-moda", "Sombrero de palma", "Sombrero tejido a mano", "fashion", 39900, 0},
    {"prd-watch-classic", "ret-moda", "Reloj clásico", "Reloj de acero con correa de piel",
     "fashion", 299900, 7},
    {"prd-backpack", "ret-moda", "Mochila urbana", "Mochila con compartimento para laptop",
     "fashion", 89900, 35},
    {"prd-sofa", "ret-casa", "Sofá de tres plazas", "Sofá tapizado en lino", "home", 1299900, 3},
    {"prd-mattress", "ret-casa", "Colchón matrimonial", "Colchón de resortes con memoria", "home",
     899900, 9},
    {"prd-blender", "ret-casa", "Licuadora Potente", "Licuadora de 10 velocidades", "home", 159900,
     30},
    {"prd-coffee-maker", "ret-casa", "Cafetera de goteo", "Cafetera para doce tazas", "home", 99900,
     0},
    {"prd-lamp", "ret-casa", "Lámpara de talavera", "Lámpara de cerámica de Puebla", "home", 129900,
     12},
    {"prd-towels", "ret-casa", "Juego de toallas", "Seis toallas de algodón", "home", 69900, 45},
    {"prd-table", "ret-casa", "Mesa de comedor", "Mesa de madera de parota para seis", "home",
     1599900, 2},
    {"prd-pans", "ret-casa", "Batería de cocina", "Ocho piezas de acero inoxidable", "home", 289900,
     18},
};

// The retailer and its settlement account (owner bank, balance 0).
std::expected<void, std::string> insert_retailer(WriteTx& tx, const DemoRetailer& r) {
  const std::string account_name = std::string("Liquidación ") + r.name;
  if (auto ok = tx.accounts().insert({.user_id = "bank",
                                      .account_id = r.settlement_account_id,
                                      .account_number = r.settlement_number,
                                      .type = "settlement",
                                      .status = "active",
                                      .currency = "MXN",
                                      .name = account_name,
                                      .created_ms = tx.now_ms()});
      !ok) {
    return std::unexpected("demo settlement account: " + ok.error().message);
  }
  if (auto ok = tx.catalog().insert_retailer({.retailer_id = r.retailer_id,
                                              .name = r.name,
                                              .category = r.category,
                                              .settlement_account_id = r.settlement_account_id,
                                              .rules_json = r.rules_json});
      !ok) {
    return std::unexpected("demo retailer " + std::string(r.retailer_id) + ": " +
                           ok.error().message);
  }
  return {};
}

}  // namespace

std::expected<void, std::string> marketplace_demo(WriteTx& tx) {
  for (const DemoRetailer& r : kRetailers) {
    if (auto ok = insert_retailer(tx, r); !ok) return ok;
  }
  for (const DemoProduct& p : kProducts) {
    if (auto ok = tx.catalog().insert_product({.product_id = p.product_id,
                                               .retailer_id = p.retailer_id,
                                               .name = p.name,
                                               .description = p.description,
                                               .category = p.category,
                                               .price_minor = p.price_minor,
                                               .currency = "MXN",
                                               .stock = p.stock});
        !ok) {
      return std::unexpected("demo product " + std::string(p.product_id) + ": " +
                             ok.error().message);
    }
  }
  return {};
}

}  // namespace centli::store
