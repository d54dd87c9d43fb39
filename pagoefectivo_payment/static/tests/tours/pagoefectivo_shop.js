import { registry } from "@web/core/registry";

// Shop tours for a customer paying with PagoEfectivo; run by the repository's
// tests/test_shop_tours.py on a phone-sized screen, with website_sale installed.

/** Fails the tour when the page scrolls sideways: something does not fit the screen. */
function assertFitsTheScreen() {
    const overflow = document.documentElement.scrollWidth - window.innerWidth;
    if (overflow > 0) {
        throw new Error(`The page is ${overflow}px wider than the screen.`);
    }
}

registry.category("web_tour.tours").add("pagoefectivo_shop_checkout", {
    url: "/shop",
    steps: () => [
        {
            content: "Open the product",
            trigger: ".oe_product_cart a:contains(Chanchamayo)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Add it to the cart",
            trigger: "#product_detail form #add_to_cart",
            run: "click",
        },
        {
            content: "Go to the cart",
            trigger: "a:has(sup.my_cart_quantity:text(1))",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Check out",
            trigger: 'a[href^="/shop/checkout"]',
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Confirm the address",
            trigger: 'a[href^="/shop/payment"]',
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Choose PagoEfectivo",
            trigger: 'input[name="o_payment_radio"][data-payment-method-code="pagoefectivo"]',
            run: "click",
        },
        {
            content: "Pay",
            trigger: 'button[name="o_payment_submit_button"]:enabled',
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The voucher shows the CIP, the amount and the time left",
            trigger: ".o_pagoefectivo_voucher .o_pagoefectivo_countdown:contains(:)",
            run() {
                const voucher = document.querySelector(".o_pagoefectivo_voucher");
                const cip = voucher.querySelector(".o_pagoefectivo_cip").textContent.trim();
                if (!/^\d{6,}$/.test(cip)) {
                    throw new Error(`No CIP on the voucher: "${cip}".`);
                }
                if (!voucher.querySelector(".o_pagoefectivo_copy[data-cip]")) {
                    throw new Error("No button to copy the CIP.");
                }
                if (!voucher.querySelector(".o_pagoefectivo_voucher_link[href]")) {
                    throw new Error("No link to PagoEfectivo's voucher and its QR code.");
                }
                if (!/\d/.test(voucher.querySelector(".o_pagoefectivo_amount").textContent)) {
                    throw new Error("No amount on the voucher.");
                }
                assertFitsTheScreen();
            },
        },
        {
            content: "Copy the CIP",
            trigger: ".o_pagoefectivo_copy",
            run: "click",
        },
        {
            content: "The CIP is copied, or selected for copying where the browser refuses",
            trigger: ".o_pagoefectivo_voucher",
            run() {
                const cip = document.querySelector(".o_pagoefectivo_cip").textContent.trim();
                const copied = !document
                    .querySelector(".o_pagoefectivo_copied_label")
                    .classList.contains("d-none");
                if (!copied && String(document.getSelection()).trim() !== cip) {
                    throw new Error("Pressing Copy neither copied nor selected the CIP.");
                }
            },
        },
    ],
});

registry.category("web_tour.tours").add("pagoefectivo_shop_paid", {
    url: "/payment/status",
    steps: () => [
        {
            content: "Once PagoEfectivo notifies the payment, the order is confirmed",
            trigger: '[name="order_confirmation"] .alert-success',
            run: assertFitsTheScreen,
        },
    ],
});
